namespace Dxmig.TestSupport.Jobs;

/// <summary>Counts what a fault scenario lost or doubled, from what was expected and what the target holds when re-read.</summary>
public static class LossCount
{
    /// <summary>Lost: expected (folder, SHA-256) pairs missing on the target; doubled: target copies beyond one, or not expected at all.</summary>
    public static (int Lost, int Doubled) Tally(IEnumerable<(string, string)> expected, IEnumerable<(string, string)> actual, int lost, int doubled)
    {
        var want = expected.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var have = actual.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (key, count) in want)
        {
            var found = have.GetValueOrDefault(key);
            lost += Math.Max(0, count - found);
            doubled += Math.Max(0, found - count);
        }

        doubled += have.Where(h => !want.ContainsKey(h.Key)).Sum(h => h.Value);
        return (lost, doubled);
    }

    /// <summary>The same count for an IMAP → Graph run, by the SHA-256 each stored message carries.</summary>
    public static (int Lost, int Doubled) Graph(MailGraphHarness mail, IEnumerable<string> users)
    {
        var (lost, doubled) = (0, 0);
        foreach (var user in users)
        {
            var expected = mail.Manifest[user].Messages.Select(m => ("", m.Sha256)).ToList();
            var actual = mail.Graph.Store.AllMessages(MailGraphHarness.Upn(user))
                .Select(m => ("", m.ExtendedProperty(Dxmig.Loaders.Graph.GraphMessageBuilder.Sha256Property) ?? "(none)")).ToList();
            (lost, doubled) = Tally(expected, actual, lost, doubled);
        }

        return (lost, doubled);
    }
}
