// Placeholder until the WebSocket layer lands.
