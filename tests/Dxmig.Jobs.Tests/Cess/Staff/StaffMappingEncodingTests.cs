using System.Text;
using Dxmig.Contracts;
using Dxmig.Contracts.Text;
using Dxmig.Jobs.Tests.Harness;
using Dxmig.Loaders.PlatformStore;
using Dxmig.Platform.Pipeline;
using Dxmig.Platform.Storage;
using Dxmig.Sandbox.Samples;
using Dxmig.TestSupport;
using Dxmig.TestSupport.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dxmig.Jobs.Tests.Cess.Staff;

/// <summary>
/// <c>kind: cess-staff</c> with its mapping files saved as Excel's "CSV (コンマ区切り)" saves them (CP932): the
/// department names, the 外字 replacements and the fields YAML's Japanese column names arrive as the text they are,
/// never as mojibake in every person's department; a mapping file in neither UTF-8 nor CP932 stops the job before it runs.
/// </summary>
public sealed class StaffMappingEncodingTests : IDisposable
{
    private readonly StaffHarness staff = new();
    private readonly JobLayer jobs;

    public StaffMappingEncodingTests() => jobs = new JobLayer(staff.Workspace);

    public void Dispose() => staff.Dispose();

    [Fact]
    public async Task Run_Cp932MappingFiles_LoadsTheJapaneseDepartmentNames()
    {
        var expected = staff.Generate(new StaffSampleOptions(20, Cp932: true));
        var job = JobWithMappings(Cp932Copy("cess-departments.csv"), Cp932Copy("cess-staff-fields.yaml"), Cp932Copy("gaiji.csv"));
        // The oracle: the repository's UTF-8 table read with plain string splitting, not with dxmig's reader.
        var names = File.ReadAllLines(Path.Combine(RepoPaths.Mappings, "cess-departments.csv"), Encoding.UTF8)
            .Skip(1).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(','))
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Success, run.Explain);
        await using var db = new StaffDbContext(StoreContextFactory.CreateOptions<StaffDbContext>(StoreLocation.Parse(staff.Store, "/")));
        var departments = await db.Departments.AsNoTracking().ToDictionaryAsync(d => d.Code, d => d.Name);
        departments.Should().Equal(names);
        departments["100000"].Should().Be("総務部");
        var people = await db.Staff.AsNoTracking().ToListAsync();
        people.Should().HaveCount(expected);
        people.Should().OnlyContain(p => p.DepartmentName == names[p.DepartmentCode!]);
        people.Single(p => p.EmployeeId == StaffSamples.EmployeeId(2)).DisplayName.Should().Be("髙橋　一郎", "gaiji.csv in CP932 maps U+E000 to 髙");
    }

    [Fact]
    public async Task Run_DepartmentTableInNeitherEncoding_DoesNotStartAndSaysWhere()
    {
        staff.Generate(new StaffSampleOptions(5, Cp932: true));
        var departments = Path.Combine(staff.Workspace.Folder, "mappings", "cess-departments.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(departments)!);
        File.WriteAllBytes(departments, [.. "code,name,parent\r\n100000,"u8, 0x91, 0x8D, 0x96, 0xB1, 0xFF, (byte)',', (byte)'\r', (byte)'\n']);
        var job = JobWithMappings(departments, null, null);

        var run = await jobs.RunAsync(job);

        run.ExitCode.Should().Be(ExitCodes.Failed, run.Explain);
        run.Explain.Should().Contain("cess-departments.csv:2:12").And.Contain("UTF-8 としても CP932 としても読めません (2 行目 12 バイト目、0xFF)");
        File.Exists(staff.Store).Should().BeFalse("nothing is loaded from a table that cannot be read");
    }

    private string Cp932Copy(string mapping)
    {
        var target = Path.Combine(staff.Workspace.Folder, "mappings", mapping);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var text = File.ReadAllText(Path.Combine(RepoPaths.Mappings, mapping), Encoding.UTF8);
        // Characters CP932 lacks (gaiji.csv's comment has an en dash) become '-', as Excel's "CSV (コンマ区切り)" makes them '?'.
        File.WriteAllBytes(target, new Cp932Encoding(new EncoderReplacementFallback("-"), DecoderFallback.ExceptionFallback).GetBytes(text));
        return target;
    }

    private string JobWithMappings(string departments, string? fields, string? gaiji)
    {
        var job = staff.JobFile();
        var mappings = RepoPaths.Mappings.Replace("\\", "/", StringComparison.Ordinal);
        var text = File.ReadAllText(job)
            .Replace($"{mappings}/cess-departments.csv", departments, StringComparison.Ordinal)
            .Replace($"{mappings}/cess-staff-fields.yaml", fields ?? $"{mappings}/cess-staff-fields.yaml", StringComparison.Ordinal)
            .Replace($"{mappings}/gaiji.csv", gaiji ?? $"{mappings}/gaiji.csv", StringComparison.Ordinal);
        text.Should().Contain(departments);
        File.WriteAllText(job, text);
        return job;
    }
}
