using System.Net.Mail;
using System.Text;
using Dxmig.Contracts;
using Dxmig.Contracts.Mappings;
using Dxmig.Contracts.Records;
using Dxmig.Contracts.Text;
using Dxmig.Transformers.Text;

namespace Dxmig.Transformers.Cess;

/// <summary>
/// A staff-directory row → a staff record: kana, phone, extension and mail normalised beside the original text, 外字
/// mapped for display, the department resolved in the department table, the start date parsed (era or Gregorian),
/// and the Entra ID user found in the identity map by employee id, else by mail address. A person missing from the
/// identity map, an unknown department code, a bad mail address or an impossible date quarantines that row with the
/// reason; the run goes on. A removal passes through with the employee id alone.
/// </summary>
public sealed class StaffTransformer(IdentityMap identities, DepartmentMap departments, GaijiMap gaiji) : ITransformer<StaffEntry, StaffRecord>
{
    public TransformResult<StaffRecord> Transform(SourceItem<StaffEntry> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var entry = item.Payload ?? throw new ArgumentException("an item without payload cannot be transformed", nameof(item));
        var id = item.Key.NativeId;
        if (item.Removal)
        {
            return TransformResult<StaffRecord>.Load(new StaffRecord
            {
                EmployeeId = id, UserPrincipalName = string.Empty, ContentHash = item.ContentHash, SourceLocation = item.Location,
                Original = entry, DisplayName = string.Empty,
            });
        }

        var email = JapaneseNormalizer.Email(entry.Email);
        if (email is not null && (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            return TransformResult<StaffRecord>.Quarantine(
                "bad-email", $"行 {entry.Line}: メールアドレス '{entry.Email}' の形式が正しくありません", $"line {entry.Line}: mail address '{entry.Email}' is not valid");
        }

        var upn = identities.Contains(id) ? identities.TargetOf(id)
            : email is not null && identities.Contains(email) ? identities.TargetOf(email)
            : null;
        if (upn is null)
        {
            return TransformResult<StaffRecord>.Quarantine(
                "not-in-identity-map",
                $"行 {entry.Line}: 職員番号 {id} ({entry.Name}) が ID マップにありません (移行先ユーザーが決まりません)",
                $"line {entry.Line}: employee {id} is not in the identity map (no target user)");
        }

        var code = SourceText.Narrow(entry.DepartmentCode);
        var department = departments.Find(code);
        if (department is null)
        {
            return TransformResult<StaffRecord>.Quarantine(
                "unknown-department",
                $"行 {entry.Line}: 所属コード '{entry.DepartmentCode}' が所属コード表にありません",
                $"line {entry.Line}: department code '{entry.DepartmentCode}' is not in the department table");
        }

        DateOnly? start = null;
        if (entry.StartDate.Trim().Length > 0)
        {
            if (!JapaneseDate.TryParse(entry.StartDate, out var date))
            {
                return TransformResult<StaffRecord>.Quarantine(
                    "bad-date", $"行 {entry.Line}: 着任日 '{entry.StartDate}' は日付として読めません", $"line {entry.Line}: start date '{entry.StartDate}' is not a valid date");
            }

            start = date;
        }

        var extension = new string(entry.Extension.Normalize(NormalizationForm.FormKC).Where(char.IsAsciiDigit).ToArray());
        return TransformResult<StaffRecord>.Load(new StaffRecord
        {
            EmployeeId = id,
            UserPrincipalName = upn,
            ContentHash = item.ContentHash,
            SourceLocation = item.Location,
            Original = entry,
            DisplayName = gaiji.Apply(entry.Name.Trim(), out _),
            KanaNormalized = JapaneseNormalizer.Kana(entry.Kana),
            EmailNormalized = email,
            PhoneE164 = JapaneseNormalizer.PhoneE164(entry.Phone),
            ExtensionNormalized = extension.Length == 0 ? null : extension,
            DepartmentCode = department.Code,
            DepartmentName = department.Name,
            StartDate = start,
            Gaiji = JapaneseNormalizer.Gaiji(entry.Fields()),
        });
    }
}
