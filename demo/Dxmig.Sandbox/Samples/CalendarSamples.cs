using System.Globalization;
using System.Text;
using Dxmig.Contracts.Text;

namespace Dxmig.Sandbox.Samples;

/// <summary>
/// Generates CESS schedule (スケジュール) and facility-reservation (施設予約) exports the way real ones look: CP932 or
/// UTF-8 with BOM, CRLF, era and Gregorian dates, full-width digits, 定例会議 repeating weekly, 課内会議 on the second
/// Tuesday, 出張 and 休暇 all-day over several days, private schedules, participants; reservations of 第3会議室,
/// 大会議室, 公用車 …; the identity map (職員番号 → UPN) and the facility table beside them. With
/// <see cref="CalendarSampleOptions.Planted"/> each file also carries one bad row of each kind (see the constants).
/// Row <c>i</c> is the same in every file of one seed, so removing or changing rows between files is a diff.
/// </summary>
public static class CalendarSamples
{
    public const string ScheduleHeader = "予定ID,登録者,件名,場所,開始日,開始時刻,終了日,終了時刻,終日,繰り返し,繰り返し終了,参加者,非公開,メモ";
    public const string ReservationHeader = "予約ID,施設コード,予約者,利用日,開始時刻,終了日,終了時刻,利用目的,備考";

    /// <summary>Planted schedule rows quarantined: bad bytes, missing id, duplicate id, impossible date, unknown owner, end before start, bad repeat rule.</summary>
    public const int PlantedScheduleQuarantined = 7;

    /// <summary>The schedule row repeated word for word.</summary>
    public const int PlantedScheduleSkipped = 1;

    /// <summary>Planted reservation rows quarantined: bad bytes, unknown facility, unknown reserver, end before start.</summary>
    public const int PlantedReservationQuarantined = 4;

    /// <summary>The facility table the reservations use (code, name, room mailbox).</summary>
    public static readonly (string Code, string Name, string Room)[] Facilities =
    [
        ("F001", "第1会議室", "room-f001@pref.example.jp"), ("F003", "第3会議室", "room-f003@pref.example.jp"),
        ("F010", "大会議室", "room-f010@pref.example.jp"), ("V001", "公用車 (品川 300 あ 12-34)", "car-v001@pref.example.jp"),
    ];

    private static readonly string[] Places = ["本庁舎 ①号館 3F 第3会議室", "大会議室", "大阪府庁", "西庁舎 2F", string.Empty];
    private static readonly string[] Purposes = ["課内打合せ", "予算ヒアリング", "来客対応 (㈱髙﨑建設)", "研修", "現地調査"];

    /// <summary>The employee id of person <paramref name="index"/> (the same as the staff samples').</summary>
    public static string PersonId(int index) => $"S{index + 1:000000}";

    public static string Upn(int index) => $"s{index + 1:000000}@pref.example.jp";

    public static string ScheduleId(int index) => $"Y{index + 1:0000000}";

    public static string ReservationId(int index) => $"R{index + 1:0000000}";

    /// <summary>Writes the schedule export; returns how many rows should load.</summary>
    public static int WriteSchedules(string path, CalendarSampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Write(path, options, ScheduleHeader, i => ScheduleRow(i, options.People, options.Seed, options.Changed?.Contains(i) == true), (stream, encoding, line) =>
        {
            line("Y9000001,");
            stream.Seek(-2, SeekOrigin.Current);
            stream.Write(options.Cp932 ? [0x81, 0x20] : [0xFF]);
            line(",読めない予定,,2024/04/01,10:00,,11:00,,,,,,");
            line($",{PersonId(0)},予定IDなし,,2024/04/01,10:00,,11:00,,,,,,");
            var first = ScheduleRow(0, options.People, options.Seed, options.Changed?.Contains(0) == true).Split(',');
            first[2] = "別の件名";
            line(string.Join(',', first));
            line(ScheduleRow(1, options.People, options.Seed, options.Changed?.Contains(1) == true));
            line($"Y9000002,{PersonId(0)},ありえない日付,,2024/02/30,10:00,,11:00,,,,,,");
            line($"Y9000003,P999999,登録者不明,,2024/04/01,10:00,,11:00,,,,,,");
            line($"Y9000004,{PersonId(0)},終了が開始より前,,2024/04/01,15:00,,14:00,,,,,,");
            line($"Y9000005,{PersonId(0)},読めない繰り返し,,2024/04/01,10:00,,11:00,,毎週火曜と木曜,,,,");
        });
    }

    /// <summary>Writes the reservation export; returns how many rows should load.</summary>
    public static int WriteReservations(string path, CalendarSampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Write(path, options, ReservationHeader, i => ReservationRow(i, options.People, options.Changed?.Contains(i) == true), (stream, encoding, line) =>
        {
            line("R9000001,F001,");
            stream.Seek(-2, SeekOrigin.Current);
            stream.Write(options.Cp932 ? [0x81, 0x20] : [0xFF]);
            line(",2024/04/01,10:00,,11:00,打合せ,");
            line($"R9000002,Z999,{PersonId(0)},2024/04/01,10:00,,11:00,廃止された施設,");
            line($"R9000003,F001,P999999,2024/04/01,10:00,,11:00,予約者不明,");
            line($"R9000004,F010,{PersonId(0)},2024/04/01,15:00,,14:00,終了が開始より前,");
        });
    }

    /// <summary>Writes the identity map (people 0…count-1) and the facility table.</summary>
    public static void WriteMappings(string identityPath, string facilitiesPath, int people)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(identityPath))!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(facilitiesPath))!);
        var identity = new StringBuilder("source,target\n");
        for (var i = 0; i < people; i++)
        {
            identity.Append(CultureInfo.InvariantCulture, $"{PersonId(i)},{Upn(i)}\n");
        }

        File.WriteAllText(identityPath, identity.ToString(), new UTF8Encoding(false));
        File.WriteAllText(facilitiesPath, "code,name,room-address\n" + string.Concat(Facilities.Select(f => $"{f.Code},{f.Name},{f.Room}\n")), new UTF8Encoding(false));
    }

    /// <summary>One schedule row; <paramref name="changed"/> renames it and moves it by an hour.</summary>
    public static string ScheduleRow(int index, int people, int seed, bool changed)
    {
        var random = new Random(SampleSeed.Of(seed, index));
        var owner = index % people;
        var day = new DateOnly(2024, 4, 1).AddDays(index % 360);
        var date = index % 3 == 0 ? Era(day) : day.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture);
        var hour = 9 + random.Next(8) + (changed ? 1 : 0);
        var kind = index % 10;
        var (title, allDay, recurrence, end, endDate) = kind switch
        {
            0 => ("定例会議", string.Empty, "毎週", Era(day.AddDays(364)), string.Empty),
            1 => ("出張 (大阪府庁)", "○", string.Empty, string.Empty, day.AddDays(1).ToString("yyyy/MM/dd", CultureInfo.InvariantCulture)),
            2 => ("課内会議", string.Empty, "毎月第2火曜", "12回", string.Empty),
            3 => ("休暇", "1", string.Empty, string.Empty, string.Empty),
            4 => ("朝礼", string.Empty, "平日", "２０回", string.Empty),
            5 => ("部内連絡会", string.Empty, "隔週月・木", string.Empty, string.Empty),
            6 => ("月次報告", string.Empty, "毎月", Era(day.AddMonths(6)), string.Empty),
            _ => (Purposes[random.Next(Purposes.Length)], string.Empty, string.Empty, string.Empty, string.Empty),
        };
        var participants = index % 4 == 0 && people > 2
            ? $"{PersonId((owner + 1) % people)};{PersonId((owner + 2) % people)}"
            : string.Empty;
        var isPrivate = index % 9 == 0 ? "○" : string.Empty;
        var startTime = allDay.Length > 0 ? string.Empty : index % 5 == 0 ? $"{ToWide(hour)}:００" : $"{hour}:00";
        var endTime = allDay.Length > 0 ? string.Empty : $"{hour + 1}:30";
        return string.Join(',',
            ScheduleId(index), PersonId(owner), changed ? title + " (変更)" : title, $"\"{Places[random.Next(Places.Length)]}\"", date, startTime, endDate, endTime,
            allDay, recurrence, end, participants, isPrivate, $"\"資料は共有フォルダ\r\n第{index % 7 + 1}版\"");
    }

    /// <summary>One reservation row; <paramref name="changed"/> moves it by an hour.</summary>
    public static string ReservationRow(int index, int people, bool changed)
    {
        var facility = Facilities[index % Facilities.Length];
        var day = new DateOnly(2024, 4, 1).AddDays(index % 200);
        var hour = 9 + (index % 8) + (changed ? 1 : 0);
        return string.Join(',',
            ReservationId(index), facility.Code, PersonId(index % people), index % 2 == 0 ? Era(day) : day.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture),
            $"{hour}:00", string.Empty, $"{hour + 1}:00", Purposes[index % Purposes.Length], index % 3 == 0 ? "プロジェクター使用" : string.Empty);
    }

    private static int Write(string path, CalendarSampleOptions options, string header, Func<int, string> row, Action<Stream, Encoding, Action<string>> planted)
    {
        JapaneseEncodings.EnsureRegistered();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var encoding = options.Cp932 ? JapaneseEncodings.StrictCp932() : new UTF8Encoding(false);
        var expected = 0;
        using var stream = new BufferedStream(File.Create(path), 1 << 16);
        if (!options.Cp932)
        {
            stream.Write([0xEF, 0xBB, 0xBF]);
        }

        void Line(string text) => stream.Write(encoding.GetBytes(text + "\r\n"));
        Line(header);
        for (var i = 0; i < options.Count; i++)
        {
            if (options.Removed?.Contains(i) != true)
            {
                Line(row(i));
                expected++;
            }
        }

        if (options.Planted && options.Count > 2)
        {
            planted(stream, encoding, Line);
        }

        return expected;
    }

    private static string Era(DateOnly day) =>
        day >= new DateOnly(2019, 5, 1) ? $"令和{(day.Year == 2019 ? "元" : (day.Year - 2018).ToString(CultureInfo.InvariantCulture))}年{day.Month}月{day.Day}日" : day.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture);

    private static string ToWide(int number) => new([.. number.ToString(CultureInfo.InvariantCulture).Select(c => (char)(c - '0' + '０'))]);
}

/// <summary>What to generate: how many rows and people, the encoding, the seed, bad rows, and which rows are gone or changed.</summary>
public sealed record CalendarSampleOptions(int Count, int People = 50, bool Cp932 = true, int Seed = 2026, bool Planted = false)
{
    public IReadOnlySet<int>? Removed { get; init; }

    public IReadOnlySet<int>? Changed { get; init; }
}
