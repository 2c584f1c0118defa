// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// A mention group as `mention_group_get` and `mention_group_list` show it.
struct MentionGroupView: Sendable, Equatable {
    var id: Int64
    var slug: String
    var createdBy: String
    /// Member usernames sorted by name.
    var members: [String]
    var createdAt: Timestamp
}

extension ChatStore {
    // MARK: Mention groups

    /// Whether `slug` matches `[a-zA-Z0-9_-]+`.
    static func isValidSlug(_ slug: String) -> Bool {
        !slug.isEmpty
            && slug.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                    || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
            }
    }

    /// `mention_group_create`: any identity may create a group; the slug must be valid,
    /// must not be a username and must be new.
    mutating func createMentionGroup(slug: String, creatorID: String, at time: Timestamp)
        throws(ChatError) -> Int64
    {
        guard Self.isValidSlug(slug) else { throw .invalidSlug }
        guard identity(named: slug) == nil else { throw .slugConflictsWithUsername(slug) }
        let id = allocateGroupID()
        guard !mentionGroups.contains(where: { $0.slug == slug }) else {
            noteChange()
            throw .duplicateMentionGroup
        }
        updateGroups {
            $0.append(
                MentionGroup(
                    id: id,
                    slug: slug,
                    creatorID: creatorID,
                    memberIDs: [],
                    createdAt: time
                )
            )
        }
        return id
    }

    func mentionGroup(_ slug: String) throws(ChatError) -> MentionGroupView {
        guard let group = mentionGroups.first(where: { $0.slug == slug }) else {
            throw .mentionGroupNotFound(slug)
        }
        return view(of: group)
    }

    /// All groups sorted by slug.
    var mentionGroupList: [MentionGroupView] {
        mentionGroups.sorted { $0.slug.utf8.lexicographicallyPrecedes($1.slug.utf8) }
            .map(view(of:))
    }

    /// `mention_group_delete`: only the creator may delete.
    mutating func deleteMentionGroup(slug: String, by username: String) throws(ChatError) {
        let group = try mentionGroup(slug)
        guard group.createdBy == username else { throw .onlyCreatorCanDelete }
        updateGroups { $0.removeAll { $0.id == group.id } }
    }

    /// `mention_group_add_member` / `_remove_member`: only the creator may change members;
    /// adding a member twice or removing a non-member is not an error.
    mutating func changeMentionGroup(
        slug: String,
        member username: String,
        adding: Bool,
        by callerName: String
    ) throws(ChatError) {
        let group = try mentionGroup(slug)
        guard group.createdBy == callerName else { throw .onlyCreatorCanManage }
        guard let member = identity(named: username) else { throw .userNotFound(username) }
        updateGroups { groups in
            guard let index = groups.firstIndex(where: { $0.id == group.id }) else { return }
            if adding {
                if !groups[index].memberIDs.contains(member.id) {
                    groups[index].memberIDs.append(member.id)
                }
            } else {
                groups[index].memberIDs.removeAll { $0 == member.id }
            }
        }
    }

    private func view(of group: MentionGroup) -> MentionGroupView {
        MentionGroupView(
            id: group.id,
            slug: group.slug,
            createdBy: identity(id: group.creatorID)?.username ?? "",
            members: group.memberIDs.compactMap { identity(id: $0)?.username }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) },
            createdAt: group.createdAt
        )
    }

    // MARK: Settings

    mutating func setSetting(key: String, value: String) {
        updateSettings { $0[key] = value }
    }

    // MARK: Webhooks

    /// Registers `url` for the identity; registering the same URL again reactivates and
    /// returns the existing registration's id.
    mutating func registerWebhook(url: String, identityID: String) -> String {
        if let existing = webhooks.first(where: { $0.identityID == identityID && $0.url == url }) {
            updateWebhooks { hooks in
                for index in hooks.indices where hooks[index].id == existing.id {
                    hooks[index].isActive = true
                }
            }
            return existing.id
        }
        let hook = Webhook(
            id: Self.randomHexID(),
            identityID: identityID,
            url: url,
            isActive: true
        )
        updateWebhooks { $0.append(hook) }
        return hook.id
    }

    /// The identity's active webhooks in registration order.
    func webhooks(of identityID: String) -> [Webhook] {
        webhooks.filter { $0.identityID == identityID && $0.isActive }
    }

    /// Deletes one of the identity's webhooks; an unknown id is not an error (as on the
    /// server, whose DELETE affects no row and still answers 204).
    mutating func deleteWebhook(id: String, identityID: String) {
        guard webhooks.contains(where: { $0.id == id && $0.identityID == identityID }) else {
            return
        }
        updateWebhooks { $0.removeAll { $0.id == id && $0.identityID == identityID } }
    }
}
