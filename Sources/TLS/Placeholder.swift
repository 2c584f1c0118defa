// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

// Placeholder until the TLS layer lands.
