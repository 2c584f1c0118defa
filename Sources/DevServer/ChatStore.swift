// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The whole chat state of a dev server: identities, channels, messages, read cursors,
/// mention groups, settings and webhooks, with the operations Sharkfin's store offers.
///
/// A plain value with no I/O and no clock (callers pass the time), so tests drive it
/// directly and the server snapshots it to JSON as is. Operations report failures as
/// `ChatError` values whose text matches the real server's replies. Orders follow the
/// server's SQL: identities by username, channels by name, DMs by the other participant,
/// anything unordered in SQL by id here.
struct ChatStore: Sendable, Codable, Equatable {
    /// Identities in provisioning order.
    private(set) var identities: [Identity] = []
    /// Channels (named and DM) in id order.
    private(set) var channels: [Channel] = []
    /// Messages in id order.
    private(set) var messages: [StoredMessage] = []
    /// Read cursors: `"<channel id>/<identity id>"` to the last read message id.
    private(set) var readCursors: [String: Int64] = [:]
    private(set) var mentionGroups: [MentionGroup] = []
    private(set) var settings: [String: String] = [:]
    private(set) var webhooks: [Webhook] = []
    /// Next values of the id sequences. Like PostgreSQL sequences, a failed insert still
    /// consumes its id, so ids match the real server's for the same requests.
    private(set) var nextChannelID: Int64 = 1
    private(set) var nextMessageID: Int64 = 1
    private(set) var nextGroupID: Int64 = 1
    /// Bumped by every change, so the owner knows when to write a snapshot.
    private(set) var changeCount: Int = 0

    /// A fresh store holding the seeded public `general` channel, as a new server has.
    init() {
        channels.append(
            Channel(
                id: allocateChannelID(),
                name: "general",
                isPublic: true,
                kind: .channel,
                memberIDs: []
            )
        )
    }

    // MARK: Identities

    /// Returns the identity for `username`, creating it on first use.
    ///
    /// The first identity ever provisioned becomes admin; a service identity becomes a
    /// bot; others take the role named by their type. An existing identity keeps its role
    /// and takes the type reported now.
    @discardableResult
    mutating func provision(username: String, type: IdentityType) -> Identity {
        if let index = identities.firstIndex(where: { $0.username == username }) {
            if identities[index].type != type {
                identities[index].type = type
                changeCount += 1
            }
            return identities[index]
        }
        let role: Role
        if identities.isEmpty {
            role = .admin
        } else {
            switch type {
            case .service: role = .bot
            case .agent: role = .agent
            case .user: role = .user
            }
        }
        let identity = Identity(id: Self.randomHexID(), username: username, type: type, role: role)
        identities.append(identity)
        changeCount += 1
        return identity
    }

    /// The provisioned identity named `username`, if any.
    func identity(named username: String) -> Identity? {
        identities.first { $0.username == username }
    }

    func identity(id: String) -> Identity? {
        identities.first { $0.id == id }
    }

    /// All identities sorted by username (the `user_list` order).
    var identitiesByUsername: [Identity] {
        identities.sorted { $0.username.utf8.lexicographicallyPrecedes($1.username.utf8) }
    }

    /// Whether `username` holds `permission` through its role; unknown users hold nothing.
    func hasPermission(_ username: String, _ permission: Permission) -> Bool {
        identity(named: username)?.role.permissions.contains(permission) ?? false
    }

    // MARK: Channels

    func channel(named name: String) -> Channel? {
        channels.first { $0.name == name }
    }

    func channel(id: Int64) -> Channel? {
        channels.first { $0.id == id }
    }

    /// The channel named `name`, or `channelNotFound`.
    func requireChannel(_ name: String) throws(ChatError) -> Channel {
        guard let channel = channel(named: name) else { throw .channelNotFound(name) }
        return channel
    }

    func isMember(_ identityID: String, of channel: Channel) -> Bool {
        channel.memberIDs.contains(identityID)
    }

    /// Named (non-DM) channels sorted by name, with `identityID`'s membership: the
    /// `channel_list` reply and `GET /api/v1/channels`. Private channels are listed too.
    func channelList(for identityID: String) -> [(channel: Channel, isMember: Bool)] {
        channels.filter { $0.kind == .channel }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { ($0, $0.memberIDs.contains(identityID)) }
    }

    /// Creates a named channel whose members are the creator and `memberNames`.
    ///
    /// - Throws: `userNotFound` for an unknown member, the duplicate-name database error,
    ///   or the duplicate-member error when a name is listed twice.
    @discardableResult
    mutating func createChannel(
        name: String,
        isPublic: Bool,
        memberNames: [String],
        creatorID: String
    ) throws(ChatError) -> Channel {
        var memberIDs = [creatorID]
        for memberName in memberNames {
            guard let member = identity(named: memberName) else {
                throw .userNotFound(memberName)
            }
            if member.id != creatorID { memberIDs.append(member.id) }
        }
        let id = allocateChannelID()
        guard channel(named: name) == nil else { throw .duplicateChannelName }
        var seen = Set<String>()
        for memberID in memberIDs where !seen.insert(memberID).inserted {
            throw .duplicateChannelMember(context: "insert member \(memberID)")
        }
        let channel = Channel(
            id: id,
            name: name,
            isPublic: isPublic,
            kind: .channel,
            memberIDs: memberIDs
        )
        channels.append(channel)
        changeCount += 1
        return channel
    }

    /// Adds `identityID` to the channel; an existing member gives the database's
    /// duplicate-key error (`add member: ...`).
    mutating func addMember(_ identityID: String, toChannel channelID: Int64) throws(ChatError) {
        guard let index = channels.firstIndex(where: { $0.id == channelID }) else {
            throw .channelNotFound(String(channelID))
        }
        guard !channels[index].memberIDs.contains(identityID) else {
            throw .duplicateChannelMember(context: "add member")
        }
        channels[index].memberIDs.append(identityID)
        changeCount += 1
    }

    /// `channel_invite`: the caller must be a member; the invitee must exist.
    mutating func invite(username: String, to channelName: String, by callerID: String)
        throws(ChatError)
    {
        let channel = try requireChannel(channelName)
        guard isMember(callerID, of: channel) else { throw .notParticipant }
        guard let invitee = identity(named: username) else { throw .userNotFound(username) }
        try addMember(invitee.id, toChannel: channel.id)
    }

    /// `channel_join`: any channel, private ones included (the server does not check).
    mutating func join(_ channelName: String, identityID: String) throws(ChatError) {
        let channel = try requireChannel(channelName)
        guard !isMember(identityID, of: channel) else { throw .alreadyMember }
        try addMember(identityID, toChannel: channel.id)
    }

    // MARK: Direct messages

    /// `dm_list`: the caller's DM channels with the other participant, sorted by that name.
    func dmList(for identityID: String) -> [(channel: String, participant: String)] {
        var result: [(channel: String, participant: String)] = []
        for channel in channels where channel.kind == .dm && channel.memberIDs.contains(identityID)
        {
            for memberID in channel.memberIDs where memberID != identityID {
                if let other = identity(id: memberID) {
                    result.append((channel.name, other.username))
                }
            }
        }
        return result.sorted { $0.participant.utf8.lexicographicallyPrecedes($1.participant.utf8) }
    }

    /// `dm_open`: finds or creates the DM channel `dm-<a>-<b>` (names sorted).
    ///
    /// - Returns: the channel name and whether it was created now.
    mutating func openDM(with username: String, caller: Identity)
        throws(ChatError) -> (channel: String, created: Bool)
    {
        guard !username.isEmpty else { throw .usernameRequired }
        guard username != caller.username else { throw .cannotOpenDMWithSelf }
        guard let other = identity(named: username) else { throw .userNotFound(username) }
        if let existing = channels.first(where: {
            $0.kind == .dm && $0.memberIDs.contains(caller.id) && $0.memberIDs.contains(other.id)
        }) {
            return (existing.name, false)
        }
        let names = [caller.username, other.username].sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
        let name = "dm-\(names[0])-\(names[1])"
        let id = allocateChannelID()
        guard channel(named: name) == nil else { throw .duplicateChannelName }
        channels.append(
            Channel(
                id: id,
                name: name,
                isPublic: false,
                kind: .dm,
                memberIDs: [caller.id, other.id]
            )
        )
        changeCount += 1
        return (name, true)
    }

    // MARK: Helpers shared by the extensions

    mutating func allocateChannelID() -> Int64 {
        defer { nextChannelID += 1 }
        return nextChannelID
    }

    mutating func allocateMessageID() -> Int64 {
        defer { nextMessageID += 1 }
        return nextMessageID
    }

    mutating func allocateGroupID() -> Int64 {
        defer { nextGroupID += 1 }
        return nextGroupID
    }

    mutating func noteChange() {
        changeCount += 1
    }

    mutating func appendMessage(_ message: StoredMessage) {
        messages.append(message)
        changeCount += 1
    }

    mutating func setCursor(channelID: Int64, identityID: String, to messageID: Int64) {
        let key = "\(channelID)/\(identityID)"
        readCursors[key] = max(readCursors[key] ?? 0, messageID)
        changeCount += 1
    }

    func cursor(channelID: Int64, identityID: String) -> Int64 {
        readCursors["\(channelID)/\(identityID)"] ?? 0
    }

    mutating func updateGroups(_ body: (inout [MentionGroup]) -> Void) {
        body(&mentionGroups)
        changeCount += 1
    }

    mutating func updateSettings(_ body: (inout [String: String]) -> Void) {
        body(&settings)
        changeCount += 1
    }

    mutating func updateWebhooks(_ body: (inout [Webhook]) -> Void) {
        body(&webhooks)
        changeCount += 1
    }

    /// 32 random lowercase hex digits, like the server's identity and webhook ids.
    static func randomHexID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }
}
