using System.Collections.Concurrent;
using System.Text.Json;
using Dxmig.Contracts;
using Dxmig.Contracts.Records;
using Microsoft.Extensions.Logging;

namespace Dxmig.Loaders.Graph;

/// <summary>
/// Keeps Entra ID security groups' members (the telework groups): a group is found by display name
/// (<c>$filter=displayName eq '…'</c>) or created (securityEnabled, mailEnabled false, mailNickname); users are found
/// by UPN; members are added with <c>PATCH /groups/{id}</c> and <c>members@odata.bind</c> of at most 20 references a
/// request (Graph's limit), through <see cref="GraphEngine"/> (<c>$batch</c>, 429/Retry-After, 5xx). A member already
/// there ("One or more added object references already exist") counts as done: the chunk is sent again one member at a
/// time to tell which. A group this loader created refuses members while Entra ID replicates it (Request_ResourceNotFound):
/// that chunk is sent again after 1, 2, 4… seconds for up to <see cref="ReplicationWait"/>. Removals go as
/// <c>DELETE /groups/{id}/members/{id}/$ref</c> (already gone counts as done). Target key: <c>group-member:{group id}/{user id}</c>.
/// </summary>
public sealed class GraphGroupLoader : GraphLoaderBase, ILoader<GroupMembership>
{
    /// <summary>Graph: "you can add up to only 20 members" in one request.</summary>
    public const int MaxReferencesPerRequest = 20;

    private const string AlreadyExists = "One or more added object references already exist";

    private readonly ConcurrentDictionary<string, (string Id, DateTimeOffset? CreatedAt)> groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> users = new(StringComparer.OrdinalIgnoreCase);

    public GraphGroupLoader(GraphSession session, ILogger logger, TimeProvider time, bool ownsSession = false)
        : base(session, logger, time, ownsSession)
    {
    }

    /// <summary>How long a group this loader created may refuse members for replication before the chunk is given up.</summary>
    public TimeSpan ReplicationWait { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Chunks sent again because a new group was still replicating.</summary>
    public int ReplicationRetries { get; private set; }

    /// <summary>Groups this loader created.</summary>
    public int GroupsCreated { get; private set; }

    public async Task<IReadOnlyList<LoadOutcome>> LoadAsync(string account, IReadOnlyList<LoadRequest<GroupMembership>> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcomes = new LoadOutcome?[batch.Count];
        await RemoveAsync(account, batch, outcomes, cancellationToken);

        var adds = Enumerable.Range(0, batch.Count).Where(i => !batch[i].Removal).ToList();
        foreach (var upn in adds.Select(i => batch[i].Item.UserPrincipalName).Distinct(StringComparer.OrdinalIgnoreCase).Where(u => !users.ContainsKey(u)).Chunk(MaxReferencesPerRequest))
        {
            var answers = await Engine.RunAsync(account, [.. upn.Select(u => new GraphOperation("GET", $"/users/{Uri.EscapeDataString(u)}?$select=id"))], cancellationToken);
            for (var k = 0; k < upn.Length; k++)
            {
                users[upn[k]] = answers[k].IsDone ? answers[k].Property("id") : null;
            }
        }

        var byGroup = new Dictionary<string, List<(int Index, string UserId)>>(StringComparer.Ordinal);
        foreach (var i in adds)
        {
            var m = batch[i].Item;
            if (users[m.UserPrincipalName] is not { } userId)
            {
                outcomes[i] = LoadOutcome.Refused(ItemProblem.Quarantine("user-not-found",
                    $"{m.Lines}: Entra ID にユーザー {m.UserPrincipalName} がありません (グループ {m.GroupName})",
                    $"{m.Lines}: Entra ID has no user {m.UserPrincipalName} (group {m.GroupName})"));
                continue;
            }

            var group = await GroupAsync(account, m, cancellationToken);
            byGroup.TryAdd(group.Id, []);
            byGroup[group.Id].Add((i, userId));
        }

        await AddAsync(account, [.. byGroup.SelectMany(g => g.Value.Chunk(MaxReferencesPerRequest).Select(c => (g.Key, c)))], batch, outcomes, cancellationToken);
        return [.. outcomes.Select(o => o!.Value)];
    }

    /// <summary>The members a group has (ids and UPNs), all pages; empty when the group does not exist.</summary>
    public async Task<IReadOnlyList<(string Id, string? UserPrincipalName)>> ListMembersAsync(string account, string displayName, CancellationToken cancellationToken)
    {
        if (await FindGroupAsync(account, displayName, cancellationToken) is not { } groupId)
        {
            return [];
        }

        var members = new List<(string, string?)>();
        string? path = $"/groups/{groupId}/members?$select=id,userPrincipalName&$top=999";
        while (path is not null)
        {
            var answer = await Engine.RunAsync(account, new GraphOperation("GET", path), cancellationToken);
            if (!answer.IsDone)
            {
                throw new AccountFailedException($"グループ {displayName} のメンバーを読めません ({answer.Reason})", $"cannot list the members of group {displayName} ({answer.Reason})");
            }

            foreach (var member in answer.Body.GetProperty("value").EnumerateArray())
            {
                members.Add((member.GetProperty("id").GetString()!, member.TryGetProperty("userPrincipalName", out var upn) ? upn.GetString() : null));
            }

            path = answer.Property("@odata.nextLink") is { } next ? next[Session.Options.BaseUrl.ToString().TrimEnd('/').Length..] : null;
        }

        return members;
    }

    private async Task RemoveAsync(string account, IReadOnlyList<LoadRequest<GroupMembership>> batch, LoadOutcome?[] outcomes, CancellationToken cancellationToken)
    {
        var removals = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (!batch[i].Removal)
            {
                continue;
            }

            if (batch[i].PreviousTargetKey is { } key && key.StartsWith("group-member:", StringComparison.Ordinal) && key.Contains('/', StringComparison.Ordinal))
            {
                removals.Add(i);
            }
            else
            {
                outcomes[i] = LoadOutcome.Loaded(batch[i].PreviousTargetKey ?? "group-member:none");
            }
        }

        var answers = await Engine.RunAsync(account, [.. removals.Select(i => new GraphOperation("DELETE", $"/groups/{Ids(batch[i].PreviousTargetKey!).Group}/members/{Ids(batch[i].PreviousTargetKey!).User}/$ref"))], cancellationToken);
        for (var k = 0; k < removals.Count; k++)
        {
            var i = removals[k];
            outcomes[i] = answers[k].IsDone
                ? LoadOutcome.Loaded(batch[i].PreviousTargetKey!)
                : LoadOutcome.Refused(ItemProblem.Quarantine("graph-refused",
                    $"{batch[i].Key.NativeId}: グループからの削除が拒否されました ({answers[k].Reason})", $"{batch[i].Key.NativeId}: removing the member was refused ({answers[k].Reason})"));
        }
    }

    /// <summary>Sends the chunks (all at once, in <c>$batch</c>), then again what a replicating group refused, and one by one what else was refused.</summary>
    private async Task AddAsync(
        string account, List<(string GroupId, (int Index, string UserId)[] Members)> work, IReadOnlyList<LoadRequest<GroupMembership>> batch, LoadOutcome?[] outcomes,
        CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromSeconds(1);
        var waited = TimeSpan.Zero;
        while (work.Count > 0)
        {
            var answers = await Engine.RunAsync(account, [.. work.Select(w => Bind(w.GroupId, w.Members.Select(m => m.UserId)))], cancellationToken);
            var next = new List<(string GroupId, (int Index, string UserId)[] Members)>();
            var replicating = false;
            for (var k = 0; k < work.Count; k++)
            {
                var (groupId, chunk) = work[k];
                var answer = answers[k];
                if (answer.IsDone)
                {
                    foreach (var (index, userId) in chunk)
                    {
                        outcomes[index] = LoadOutcome.Loaded($"group-member:{groupId}/{userId}");
                    }
                }
                else if (Replicating(groupId, answer) && waited < ReplicationWait)
                {
                    replicating = true;
                    next.Add(work[k]);
                }
                else if (chunk.Length > 1)
                {
                    // Which member is already there, or refused: one at a time.
                    next.AddRange(chunk.Select(one => (groupId, new[] { one })));
                }
                else
                {
                    var (i, id) = chunk[0];
                    var m = batch[i].Item;
                    outcomes[i] = answer.Status == 400 && answer.ErrorMessage?.StartsWith(AlreadyExists, StringComparison.Ordinal) == true
                        ? LoadOutcome.Loaded($"group-member:{groupId}/{id}") with { Note = "already a member" }
                        : LoadOutcome.Refused(ItemProblem.Quarantine("graph-refused",
                            $"{m.Lines}: {m.UserPrincipalName} をグループ {m.GroupName} に追加できません ({answer.Reason})",
                            $"{m.Lines}: adding {m.UserPrincipalName} to group {m.GroupName} was refused ({answer.Reason})"));
                }
            }

            if (replicating)
            {
                ReplicationRetries++;
                Logger.LogInformation("新しいグループが複製中のため {Wait} 後に再送 / a new group is replicating; again after {Wait}", wait, wait);
                await Task.Delay(wait, Time, cancellationToken);
                waited += wait;
                wait = TimeSpan.FromSeconds(Math.Min(wait.TotalSeconds * 2, 30));
            }

            work = next;
        }
    }

    private bool Replicating(string groupId, GraphOutcome answer) =>
        answer.ErrorCode == "Request_ResourceNotFound" && answer.Status is 400 or 404 &&
        groups.Values.Any(g => g.Id == groupId && g.CreatedAt is { } created && Time.GetUtcNow() - created < ReplicationWait + TimeSpan.FromMinutes(1));

    private static GraphOperation Bind(string groupId, IEnumerable<string> userIds)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("members@odata.bind");
            foreach (var id in userIds)
            {
                json.WriteStringValue($"https://graph.microsoft.com/v1.0/directoryObjects/{id}");
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return new GraphOperation("PATCH", $"/groups/{groupId}", buffer.ToArray());
    }

    private async Task<(string Id, DateTimeOffset? CreatedAt)> GroupAsync(string account, GroupMembership m, CancellationToken cancellationToken)
    {
        if (groups.TryGetValue(m.GroupKey, out var known))
        {
            return known;
        }

        if (await FindGroupAsync(account, m.GroupName, cancellationToken) is { } existing)
        {
            return groups[m.GroupKey] = (existing, null);
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("displayName", m.GroupName);
            json.WriteString("description", "dxmig: テレワーク許可一覧から / from the telework permission lists");
            json.WriteBoolean("mailEnabled", false);
            json.WriteString("mailNickname", m.MailNickname);
            json.WriteBoolean("securityEnabled", true);
            json.WriteEndObject();
        }

        var created = await Engine.RunAsync(account, new GraphOperation("POST", "/groups", buffer.ToArray()), cancellationToken);
        var id = created.IsDone ? created.Property("id")
            : created.Kind == GraphOutcomeKind.InDoubt ? await FindGroupAsync(account, m.GroupName, cancellationToken)
            : null;
        if (id is null)
        {
            throw new AccountFailedException(
                $"セキュリティグループ {m.GroupName} を作成できません ({created.Reason})", $"cannot create security group {m.GroupName} ({created.Reason})");
        }

        GroupsCreated++;
        Logger.LogInformation("セキュリティグループを作成 / security group created: {Group} ({Id})", m.GroupName, id);
        return groups[m.GroupKey] = (id, Time.GetUtcNow());
    }

    private async Task<string?> FindGroupAsync(string account, string displayName, CancellationToken cancellationToken)
    {
        var filter = Uri.EscapeDataString($"displayName eq '{displayName.Replace("'", "''", StringComparison.Ordinal)}'");
        var answer = await Engine.RunAsync(account, new GraphOperation("GET", $"/groups?$filter={filter}&$select=id,displayName"), cancellationToken);
        if (!answer.IsDone)
        {
            throw new AccountFailedException($"グループ {displayName} を検索できません ({answer.Reason})", $"cannot look up group {displayName} ({answer.Reason})");
        }

        var found = answer.Body.GetProperty("value").EnumerateArray().Select(g => g.GetProperty("id").GetString()).ToList();
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new AccountFailedException(
                $"表示名 {displayName} のグループが {found.Count} 個あります。どれを使うか決められません", $"{found.Count} groups are named {displayName}; cannot tell which to use"),
        };
    }

    private static (string Group, string User) Ids(string targetKey)
    {
        var rest = targetKey["group-member:".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return (rest[..slash], rest[(slash + 1)..]);
    }
}
