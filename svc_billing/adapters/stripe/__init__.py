"""Stripe behind the StripeGateway interface: the `stripe` SDK adapter, and the twin (a small
Stripe-compatible server) it talks to when no Stripe keys are set."""
