print("sharkfin-devserver: not built yet")
