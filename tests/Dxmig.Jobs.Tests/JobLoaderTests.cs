using Dxmig.Contracts;
using Dxmig.Jobs;
using Dxmig.Jobs.AddressBook;
using Dxmig.TestSupport;

namespace Dxmig.Jobs.Tests;

public sealed class JobLoaderTests : IDisposable
{
    private readonly TempFolder temp = new("dxmig-jobloader");

    public void Dispose() => temp.Dispose();

    [Fact]
    public void LoadForRun_WithErrors_ThrowsOneExceptionListingThemAll()
    {
        var path = temp.Write("job.yaml", "name: wave1\nkind: addressbook\nsource:\n  token: abcdefgh\ntarget:\n  api_key: zzzzzzzz\n");

        var act = () => JobLoader.LoadForRun(path, _ => null);

        var message = act.Should().Throw<ConfigurationException>().Which.Message;
        message.Should().Contain(":4:3").And.Contain(":6:3");
        message.Should().NotContain("abcdefgh").And.NotContain("zzzzzzzz");
    }

    [Fact]
    public void Load_BindsTheKindsCheckedSettings_AndEveryKindIsRegisteredByItsName()
    {
        temp.Write("exports/user001.csv", "名前,メールアドレス\r\n山田,yamada@example.jp\r\n");
        var path = temp.Write("jobs/book.yaml", """
            name: book
            kind: addressbook
            source:
              type: activemail-addressbook-csv
              directory: ../exports
            target:
              type: platform-contacts
              store: ../state/platform.db
            ledger: ../state/ledger.db
            """);
        var diagnostics = new DiagnosticBag();

        var job = JobLoader.Load(path, diagnostics, _ => null);

        diagnostics.HasErrors.Should().BeFalse(diagnostics.Render());
        job.Should().NotBeNull();
        job!.Kind.Should().BeOfType<AddressBookJobKind>();
        job.Settings.Should().BeOfType<AddressBookJobSettings>().Which.Files.Keys.Should().Equal("user001");
        job.ListAccounts().Should().Equal("user001");
        job.CanReconcile.Should().BeTrue();
        job.CanPlan.Should().BeTrue();
        JobKinds.All.Keys.Should().BeEquivalentTo(
            "addressbook", "mail", "cess-staff", "cess-schedules", "cess-facilities", "cess-documents", "mobile-devices", "telework-groups");
        JobKinds.All.Values.Should().OnlyContain(k => JobKinds.Schemas[k.Name].MappingNames == k.MappingNames);
    }

    [Fact]
    public void Load_AKindWhoseSectionsHaveErrors_GivesNoJob()
    {
        var path = temp.Write("jobs/bad.yaml", """
            name: bad
            kind: addressbook
            source:
              type: activemail-addressbook-csv
              directory: ../missing
            target:
              type: platform-contacts
              store: ../state/platform.db
            """);
        var diagnostics = new DiagnosticBag();

        JobLoader.Load(path, diagnostics, _ => null).Should().BeNull();

        diagnostics.Render().Should().Contain("../missing");
    }
}
