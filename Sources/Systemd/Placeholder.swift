// Placeholder until the Systemd layer lands.
