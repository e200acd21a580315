"""Managed investment accounts: products, KYC, the account saga, transfers, trading agents with
their risk checks, the execution log and daily performance snapshots (seed 3.1, 4.1)."""
