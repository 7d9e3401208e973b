using System.Globalization;

namespace Dxmig.Platform.Pipeline;

/// <summary>
/// The counters every accounting holds (a run, an account in a run, an account while it runs), so the invariant
/// <c>Seen = Loaded + Removed + Skipped + Quarantined + AlreadyDone</c> and its wording are written once.
/// </summary>
public interface IRunCounts
{
    long Seen { get; }

    long Loaded { get; }

    long Removed { get; }

    long Skipped { get; }

    long Quarantined { get; }

    long AlreadyDone { get; }
}

/// <summary>The invariant and its bilingual wording.</summary>
public static class RunCounts
{
    /// <summary>True when every item seen is accounted for exactly once.</summary>
    public static bool Balances(this IRunCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return counts.Seen == counts.Loaded + counts.Removed + counts.Skipped + counts.Quarantined + counts.AlreadyDone;
    }

    /// <summary>
    /// The accounting in words: "読込 seen 10 = 投入 loaded 7 + …" (<see cref="AccountingWords.Both"/>), "読込 10 = 投入 7 + …"
    /// (<see cref="AccountingWords.Japanese"/>) or "seen 10 = loaded 7 + …" (<see cref="AccountingWords.English"/>), with
    /// <paramref name="relation"/> "=" or "≠".
    /// </summary>
    public static string Accounting(this IRunCounts counts, string relation = "=", AccountingWords words = AccountingWords.Both)
    {
        ArgumentNullException.ThrowIfNull(counts);
        string Term(string japanese, string english) => words switch
        {
            AccountingWords.Japanese => japanese,
            AccountingWords.English => english,
            _ => $"{japanese} {english}",
        };

        return string.Create(CultureInfo.InvariantCulture,
            $"{Term("読込", "seen")} {counts.Seen} {relation} {Term("投入", "loaded")} {counts.Loaded} + {Term("削除", "removed")} {counts.Removed} + " +
            $"{Term("スキップ", "skipped")} {counts.Skipped} + {Term("隔離", "quarantined")} {counts.Quarantined} + {Term("処理済み", "already done")} {counts.AlreadyDone}");
    }
}

/// <summary>Which words <see cref="RunCounts.Accounting"/> uses.</summary>
public enum AccountingWords
{
    Both,
    Japanese,
    English,
}
