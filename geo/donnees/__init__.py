"""One module per dataset, each holding its build step and its questions per territory:
QPV, shops, ESS structures, funding, published subsidies, entered jobs, and the
analyses across them (opportunites, indicators, constats).
"""
