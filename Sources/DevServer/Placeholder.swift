// Placeholder until the DevServer layer lands.
