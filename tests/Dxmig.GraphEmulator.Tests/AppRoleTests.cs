namespace Dxmig.GraphEmulator.Tests;

/// <summary>An app granted only some application permissions: Graph refuses the rest with 403 in each workload's words.</summary>
public sealed class AppRoleTests
{
    private const string User = "a@pref.example.jp";

    [Fact]
    public async Task AppWithoutMailRole_GetsErrorAccessDeniedForMail_AndItsGrantedRoleStillWorks()
    {
        await using var emu = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], AppRoles = ["User.Read.All"] }, CancellationToken.None);
        using var raw = new RawGraph(emu);

        var (mailStatus, mail, _) = await raw.SendAsync(HttpMethod.Get, $"/users/{User}/mailFolders?$top=1");
        var (userStatus, user, _) = await raw.SendAsync(HttpMethod.Get, $"/users/{User}");
        var (patchStatus, patch, _) = await raw.SendAsync(HttpMethod.Patch, $"/users/{User}", """{"department":"総務課"}""");

        mailStatus.Should().Be(403);
        mail!["error"]!["code"]!.GetValue<string>().Should().Be("ErrorAccessDenied");
        mail["error"]!["message"]!.GetValue<string>().Should().Be("Access is denied. Check credentials and try again.");
        userStatus.Should().Be(200, "User.Read.All reads users");
        user!["userPrincipalName"]!.GetValue<string>().Should().Be(User);
        patchStatus.Should().Be(403, "a read permission does not write");
        patch!["error"]!["code"]!.GetValue<string>().Should().Be("Authorization_RequestDenied");
        emu.Store.UserPatches(User).Should().BeEmpty("nothing was written");
    }

    [Fact]
    public async Task AppWithoutRoles_IsRefusedInsideABatchToo_WhileDefaultAppHasEveryRole()
    {
        await using var limited = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User], AppRoles = [] }, CancellationToken.None);
        await using var full = await GraphEmulator.StartAsync(new GraphEmulatorOptions { Users = [User] }, CancellationToken.None);
        using var rawLimited = new RawGraph(limited);
        using var rawFull = new RawGraph(full);
        var batch = """{"requests":[{"id":"1","method":"GET","url":"/groups?$top=1"}]}""";

        var (_, refused, _) = await rawLimited.SendAsync(HttpMethod.Post, "/$batch", batch);
        var (_, served, _) = await rawFull.SendAsync(HttpMethod.Post, "/$batch", batch);

        refused!["responses"]![0]!["status"]!.GetValue<int>().Should().Be(403);
        refused["responses"]![0]!["body"]!["error"]!["code"]!.GetValue<string>().Should().Be("Authorization_RequestDenied");
        served!["responses"]![0]!["status"]!.GetValue<int>().Should().Be(200);
    }
}
