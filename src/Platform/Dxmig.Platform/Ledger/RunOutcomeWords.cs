namespace Dxmig.Platform.Ledger;

/// <summary>A run's or an account's outcome as a person reads it (Japanese / English), never the enum's name.</summary>
public static class RunOutcomeWords
{
    /// <summary>"隔離あり / quarantined" for <see cref="RunOutcome.CompletedWithQuarantine"/>, and so on.</summary>
    public static (string Japanese, string English) Words(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => ("成功", "succeeded"),
        RunOutcome.CompletedWithQuarantine => ("隔離あり", "quarantined"),
        RunOutcome.CompletedWithWarnings => ("要確認", "needs attention"),
        RunOutcome.Failed => ("失敗", "failed"),
        RunOutcome.Stopped => ("停止", "stopped"),
        RunOutcome.Interrupted => ("中断", "interrupted"),
        _ => ("実行中", "running"),
    };

    /// <summary>"隔離あり / quarantined".</summary>
    public static string Text(RunOutcome outcome)
    {
        var (ja, en) = Words(outcome);
        return $"{ja} / {en}";
    }
}
