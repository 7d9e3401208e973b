namespace Dxmig.Jobs.Doctor;

/// <summary>Graph answered a doctor's read with an error status (never retried: the doctor reports it).</summary>
public sealed class GraphRefusedException : Exception
{
    public GraphRefusedException(int status, string? code, string? graphMessage)
        : base($"HTTP {status} {code}: {graphMessage}")
    {
        Status = status;
        Code = code;
    }

    public GraphRefusedException()
    {
    }

    public GraphRefusedException(string message)
        : base(message)
    {
    }

    public GraphRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; }

    public string? Code { get; }

    /// <summary>What the refusal means for the read, in plain words.</summary>
    public (ConnectionFailureKind, string, string) Explain(GraphRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var said = $"(HTTP {Status} {Code})";
        return Status switch
        {
            403 => (ConnectionFailureKind.Permission, $"{read.Permission.Missing} {said}", read.Permission.HowToGrant),
            401 => (ConnectionFailureKind.Authentication,
                $"Graph がトークンを受け付けません {said} / Graph refused the token {said}",
                "tenant-id と base-url が同じクラウド・テナントのものか確認してください / check that tenant-id and base-url belong to the same cloud and tenant"),
            404 => (ConnectionFailureKind.NotFound,
                $"{read.What}: 見つかりません {said} {(Code == "dxmig.notFound" ? Message : string.Empty)}".TrimEnd() + " / not found",
                "対応表 (identity) の移行先アカウント、ドライブ・サイトの指定がテナントにあるか確認してください (ライセンスとメールボックスも) / "
                + "check that the identity map's target accounts and the drive or site named exist in the tenant (with a license and a mailbox)"),
            _ => (ConnectionFailureKind.Other, $"Graph が拒否しました: {Message} / Graph refused: {Message}", "上の理由を確認してください / see the reason above"),
        };
    }
}
