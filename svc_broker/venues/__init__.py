"""Venues: each a package implementing svc_broker.broker.Broker (paper today; MetaAPI next)."""
