print("sharkfin-relay: not built yet")
