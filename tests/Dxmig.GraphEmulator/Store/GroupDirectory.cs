namespace Dxmig.GraphEmulator.Store;

/// <summary>
/// Entra ID security groups and their members, and Intune's imported device identities (beta), as the emulator holds
/// them. <see cref="ReplicationDelay"/> makes a newly created group behave as it does while Entra ID replicates it:
/// adding members to it fails for that long after its creation. <see cref="ThrottleNext"/> answers the next directory
/// requests with 429 and a Retry-After.
/// </summary>
public sealed class GroupDirectory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GroupEntity> _groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string Type, string? Description, DateTimeOffset Created)> _identities = new(StringComparer.OrdinalIgnoreCase);
    private int _throttle;
    private int _throttleSeconds = 1;

    /// <summary>How long after its creation a group refuses new members (Entra ID's replication delay); zero: none.</summary>
    public TimeSpan ReplicationDelay { get; set; }

    /// <summary>Member additions refused because the group was still replicating.</summary>
    public int ReplicationRefusals { get; private set; }

    /// <summary>Directory requests answered 429.</summary>
    public int Throttled { get; private set; }

    /// <summary>Largest number of references one <c>members@odata.bind</c> request carried.</summary>
    public int LargestMemberBind { get; private set; }

    /// <summary>Answers the next <paramref name="requests"/> group or device-identity requests with 429 and this Retry-After.</summary>
    public void ThrottleNext(int requests, int retryAfterSeconds = 1)
    {
        lock (_gate)
        {
            _throttle = requests;
            _throttleSeconds = retryAfterSeconds;
        }
    }

    /// <summary>Every group, by display name.</summary>
    public IReadOnlyList<StoredGroup> Groups
    {
        get
        {
            lock (_gate)
            {
                return [.. _groups.Values.OrderBy(g => g.DisplayName, StringComparer.Ordinal).Select(g => g.Snapshot())];
            }
        }
    }

    /// <summary>A group by display name, or null.</summary>
    public StoredGroup? Group(string displayName)
    {
        lock (_gate)
        {
            return _groups.Values.FirstOrDefault(g => g.DisplayName == displayName)?.Snapshot();
        }
    }

    /// <summary>Imported device identities (serial number → description).</summary>
    public IReadOnlyDictionary<string, string?> ImportedDeviceIdentities
    {
        get
        {
            lock (_gate)
            {
                return _identities.ToDictionary(kv => kv.Key, kv => kv.Value.Description, StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>Creates a group directly (a test's set-up: a group that exists before the run, long replicated).</summary>
    public StoredGroup Seed(string displayName, params string[] memberIds)
    {
        lock (_gate)
        {
            var group = new GroupEntity(Guid.NewGuid().ToString("D"), displayName, "seed" + _groups.Count, null, DateTimeOffset.MinValue);
            group.Members.AddRange(memberIds);
            _groups[group.Id] = group;
            return group.Snapshot();
        }
    }

    internal int? TakeThrottle()
    {
        lock (_gate)
        {
            if (_throttle <= 0)
            {
                return null;
            }

            _throttle--;
            Throttled++;
            return _throttleSeconds;
        }
    }

    internal GroupEntity Create(string displayName, string mailNickname, string? description, DateTimeOffset now)
    {
        lock (_gate)
        {
            var group = new GroupEntity(Guid.NewGuid().ToString("D"), displayName, mailNickname, description, now);
            _groups[group.Id] = group;
            return group;
        }
    }

    internal T Read<T>(Func<IReadOnlyCollection<GroupEntity>, T> read)
    {
        lock (_gate)
        {
            return read(_groups.Values);
        }
    }

    internal T Write<T>(Func<Dictionary<string, GroupEntity>, T> write)
    {
        lock (_gate)
        {
            return write(_groups);
        }
    }

    internal void CountReplicationRefusal()
    {
        lock (_gate)
        {
            ReplicationRefusals++;
        }
    }

    internal void ObserveBind(int count)
    {
        lock (_gate)
        {
            LargestMemberBind = Math.Max(LargestMemberBind, count);
        }
    }

    /// <summary>Imports one identity; false when it exists and may not be overwritten.</summary>
    internal bool Import(string identifier, string type, string? description, bool overwrite, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_identities.ContainsKey(identifier) && !overwrite)
            {
                return false;
            }

            _identities[identifier] = (type, description, now);
            return true;
        }
    }
}

/// <summary>A group as the emulator holds it (mutable, under the directory's lock).</summary>
internal sealed class GroupEntity(string id, string displayName, string mailNickname, string? description, DateTimeOffset created)
{
    public string Id { get; } = id;

    public string DisplayName { get; set; } = displayName;

    public string MailNickname { get; } = mailNickname;

    public string? Description { get; set; } = description;

    public DateTimeOffset Created { get; } = created;

    /// <summary>Member user ids, in the order added.</summary>
    public List<string> Members { get; } = [];

    public StoredGroup Snapshot() => new(Id, DisplayName, MailNickname, Description, [.. Members]);
}

/// <summary>A group as a test reads it back: ids of its members in the order added.</summary>
public sealed record StoredGroup(string Id, string DisplayName, string MailNickname, string? Description, IReadOnlyList<string> MemberIds);
