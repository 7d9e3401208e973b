namespace Dxmig.GraphEmulator;

/// <summary>
/// Exchange Online's mailbox permissions of the emulator's application (its service principal): the mailboxes it has
/// <c>FullAccess</c> on, which app-only IMAP needs (<c>Add-MailboxPermission -User {service principal} -AccessRights
/// FullAccess</c>). By default every mailbox the emulator knows, now or later; a test revokes one to see Exchange's
/// refusal. Thread-safe.
/// </summary>
public sealed class ExchangeMailboxAccess
{
    private readonly EmulatorStore _store;
    private readonly HashSet<string> _revoked = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    internal ExchangeMailboxAccess(EmulatorStore store, IEnumerable<string> revoked)
    {
        _store = store;
        _revoked.UnionWith(revoked);
    }

    /// <summary>Raised after a grant, a revocation or a new user (whose mailbox the app has access to by default),
    /// so that a server checking FullAccess from its own list (the Dovecot sandbox) can rewrite it.</summary>
    public event EventHandler? Changed;

    /// <summary>Whether the app has FullAccess on the mailbox (UPN, case-insensitive): it exists and was not revoked.</summary>
    public bool HasFullAccess(string upn)
    {
        ArgumentNullException.ThrowIfNull(upn);
        lock (_gate)
        {
            return _store.FindUser(upn) is not null && !_revoked.Contains(upn);
        }
    }

    /// <summary>The UPNs of every mailbox the app has FullAccess on, in ordinal order.</summary>
    public IReadOnlyList<string> MailboxesWithFullAccess()
    {
        lock (_gate)
        {
            return [.. _store.Users.Select(u => u.UserPrincipalName).Where(u => !_revoked.Contains(u)).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Removes the app's FullAccess on the mailbox (<c>Remove-MailboxPermission</c>).</summary>
    public void Revoke(string upn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upn);
        lock (_gate)
        {
            _revoked.Add(upn);
        }

        OnChanged();
    }

    /// <summary>Gives the app FullAccess on the mailbox again.</summary>
    public void Grant(string upn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(upn);
        lock (_gate)
        {
            _revoked.Remove(upn);
        }

        OnChanged();
    }

    internal void OnChanged() => Changed?.Invoke(this, EventArgs.Empty);
}
