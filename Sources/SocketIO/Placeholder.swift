// Placeholder until the SocketIO layer lands.
