using System.Globalization;
using System.Text.RegularExpressions;
using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Cess;

/// <summary>
/// A shared document and its metadata row → a document to load: the owner's employee id found in the identity map (its
/// UPN: whose OneDrive, or who is recorded as owner), the created and modified times parsed (era or Gregorian date,
/// optional time, Japan time unless an offset is given) and the path renamed by SharePoint's name rules under the
/// target folder. An owner missing from the identity map (<c>unknown-owner</c>), a missing owner (<c>missing-owner</c>),
/// an impossible date (<c>bad-date</c>) or a path that stays too long (<c>path-too-long</c>) quarantines the document.
/// </summary>
public sealed partial class DocumentTransformer(IdentityMap owners, SharePointNames names, string targetFolder) : ITransformer<DocumentEntry, DocumentRecord>
{
    public TransformResult<DocumentRecord> Transform(SourceItem<DocumentEntry> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var entry = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        if (item.Removal)
        {
            return TransformResult<DocumentRecord>.Load(new DocumentRecord
            {
                SourcePath = entry.RelativePath, TargetPath = string.Empty, ContentHash = item.ContentHash, SourceLocation = item.Location, Original = entry,
            });
        }

        var at = $"{entry.MetadataFile}:{entry.Line} ({entry.RelativePath})";
        var owner = SourceText.Narrow(entry.Owner);
        if (owner.Length == 0)
        {
            return TransformResult<DocumentRecord>.Quarantine(
                "missing-owner", $"{at}: 所有者の職員番号がありません", $"{at}: the owner's employee id is missing");
        }

        if (!owners.Contains(owner))
        {
            return TransformResult<DocumentRecord>.Quarantine(
                "unknown-owner", $"{at}: 所有者 {owner} が ID マップにありません", $"{at}: owner {owner} is not in the identity map");
        }

        if (!TryTime(entry.Modified, out var modified, entry.FileModified))
        {
            return TransformResult<DocumentRecord>.Quarantine(
                "bad-date", $"{at}: 更新日時 '{entry.Modified}' は日時として読めません", $"{at}: modified time '{entry.Modified}' is not a valid date and time");
        }

        if (!TryTime(entry.Created, out var created, modified))
        {
            return TransformResult<DocumentRecord>.Quarantine(
                "bad-date", $"{at}: 作成日時 '{entry.Created}' は日時として読めません", $"{at}: created time '{entry.Created}' is not a valid date and time");
        }

        var (path, renames) = names.Apply(entry.RelativePath, targetFolder);
        if (path is null)
        {
            return TransformResult<DocumentRecord>.Quarantine(
                "path-too-long",
                $"{at}: パスを短くしても {names.MaxPath} 文字を超えます",
                $"{at}: the path stays over {names.MaxPath} characters even shortened");
        }

        return TransformResult<DocumentRecord>.Load(new DocumentRecord
        {
            SourcePath = entry.RelativePath,
            TargetPath = path,
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = entry,
            OwnerEmployeeId = owner,
            OwnerUpn = owners.TargetOf(owner),
            CreatedUtc = created.UtcDateTime,
            ModifiedUtc = modified.UtcDateTime,
            Renames = renames,
        });
    }

    /// <summary>
    /// A date and optional time as exports write them (2023/04/01 10:15, 令和5年4月1日 9:05:30, 2023-04-01T10:15:00+09:00);
    /// an empty text takes <paramref name="fallback"/>. Without an offset the time is Japan time.
    /// </summary>
    public static bool TryTime(string text, out DateTimeOffset value, DateTimeOffset fallback)
    {
        var trimmed = SourceText.Narrow(text);
        value = fallback;
        if (trimmed.Length == 0)
        {
            return true;
        }

        if (trimmed.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var iso) &&
            (trimmed.EndsWith('Z') || OffsetPattern().IsMatch(trimmed)))
        {
            value = iso;
            return true;
        }

        var match = TimePattern().Match(trimmed);
        var datePart = match.Success ? trimmed[..match.Index] : trimmed;
        if (!JapaneseDate.TryParse(datePart.TrimEnd('T', ' '), out var date))
        {
            return false;
        }

        var time = TimeOnly.MinValue;
        if (match.Success)
        {
            var hour = int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture);
            var minute = int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
            var second = match.Groups["s"].Success ? int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) : 0;
            if (hour > 23 || minute > 59 || second > 59)
            {
                return false;
            }

            time = new TimeOnly(hour, minute, second);
        }

        value = new DateTimeOffset(date.ToDateTime(time), JapanTime.Offset);
        return true;
    }

    [GeneratedRegex(@"[T ](?<h>\d{1,2})(:|時)(?<m>\d{1,2})((:|分)(?<s>\d{1,2})秒?)?分?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"[+-]\d{2}:\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex OffsetPattern();
}
