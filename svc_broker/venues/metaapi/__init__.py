"""The MetaAPI venue: MetaAPI's REST trading API (MT4/MT5 accounts) behind the Broker protocol."""
