"""Outside vendors of market data, each behind the interfaces of `svc_market.providers`."""
