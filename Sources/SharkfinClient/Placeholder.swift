// Placeholder until the SharkfinClient layer lands.
