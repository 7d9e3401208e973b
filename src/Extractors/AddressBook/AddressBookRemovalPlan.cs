namespace Dxmig.Extractors.AddressBook;

/// <summary>
/// What a run removes from the address books, decided before it reads them (the deletion threshold counts the whole
/// run, not one account): per account, the contacts gone from its export that may be removed now (native id), and the
/// warning the account raises (removals held back at the threshold, or an export missing or empty, which is read as
/// "not read", never as every contact removed). An account whose export is missing is still run, to say so.
/// </summary>
public sealed class AddressBookRemovalPlan
{
    /// <summary>A plan that removes nothing and warns of nothing.</summary>
    public static AddressBookRemovalPlan None { get; } = new(
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal), new Dictionary<string, (string, string)>(StringComparer.Ordinal), []);

    public AddressBookRemovalPlan(
        IReadOnlyDictionary<string, IReadOnlyList<string>> allowed,
        IReadOnlyDictionary<string, (string Japanese, string English)> warnings,
        IReadOnlyCollection<string> notRead)
    {
        Allowed = allowed;
        Warnings = warnings;
        NotRead = new HashSet<string>(notRead, StringComparer.Ordinal);
    }

    /// <summary>Account → the native ids of its contacts that may be removed in this run.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Allowed { get; }

    /// <summary>Account → the warning it raises (Japanese, English).</summary>
    public IReadOnlyDictionary<string, (string Japanese, string English)> Warnings { get; }

    /// <summary>Accounts whose export is missing: run only to raise their warning, nothing read, nothing removed.</summary>
    public IReadOnlySet<string> NotRead { get; }
}
