using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Dxmig.TestSupport;

/// <summary>How a <see cref="SmtpSink"/> secures and guards itself; the default is plain and open.</summary>
public sealed record SmtpSinkOptions
{
    /// <summary>The server certificate (with its key): STARTTLS is offered, or TLS from the first byte with <see cref="ImplicitTls"/>.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>TLS from the first byte (port 465 style) instead of STARTTLS.</summary>
    public bool ImplicitTls { get; init; }

    /// <summary>When set, AUTH is required before MAIL and only this user and password are accepted.</summary>
    public (string User, string Password)? Login { get; init; }

    /// <summary>The SASL mechanisms announced (PLAIN, LOGIN or both).</summary>
    public IReadOnlyList<string> Mechanisms { get; init; } = ["PLAIN", "LOGIN"];
}

/// <summary>One message received, with how its session was secured and who logged in.</summary>
public sealed record SmtpSinkDelivery(IReadOnlyList<string> Recipients, string Data, bool Tls, string? User, string? Mechanism);

/// <summary>
/// A minimal SMTP server on a free loopback port that accepts every message and keeps it (EHLO/HELO, MAIL, RCPT,
/// DATA with dot-unstuffing, RSET, NOOP, QUIT): where alert mails land in tests. With <see cref="SmtpSinkOptions"/> it
/// also offers STARTTLS or implicit TLS with a given certificate, and AUTH PLAIN / LOGIN (required when a login is set).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly SmtpSinkOptions options;
    private readonly Task loop;

    private SmtpSink(SmtpSinkOptions options)
    {
        this.options = options;
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    /// <summary>Starts listening on a free loopback port.</summary>
    public static SmtpSink Start() => new(new SmtpSinkOptions());

    /// <summary>Starts listening on a free loopback port, secured and guarded as the options say.</summary>
    public static SmtpSink Start(SmtpSinkOptions options) => new(options ?? throw new ArgumentNullException(nameof(options)));

    /// <summary>Every message received with its session's TLS and login.</summary>
    public ConcurrentQueue<SmtpSinkDelivery> Deliveries { get; } = new();

    /// <summary>Every AUTH attempt: user, mechanism, accepted.</summary>
    public ConcurrentQueue<(string User, string Mechanism, bool Accepted)> Logins { get; } = new();

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Every message received: its envelope recipients and its raw text.</summary>
    public ConcurrentQueue<(IReadOnlyList<string> Recipients, string Data)> Messages { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopped
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            await ServeSessionAsync(client);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or OperationCanceledException or FormatException)
        {
            // the client went away or refused the certificate: that is what some tests want
        }
    }

    private async Task ServeSessionAsync(TcpClient client)
    {
        using (client)
        {
            Stream stream = client.GetStream();
            var tls = false;
            if (options.Certificate is { } serverCertificate && options.ImplicitTls)
            {
                stream = await SecureAsync(stream, serverCertificate);
                tls = true;
            }

            var reader = new StreamReader(stream, Encoding.Latin1);
            var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 localhost dxmig-test SMTP sink");
            var recipients = new List<string>();
            string? user = null, mechanism = null;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost");
                        if (options.Certificate is not null && !tls)
                        {
                            await writer.WriteLineAsync("250-STARTTLS");
                        }

                        if (options.Login is not null && (tls || options.Certificate is null))
                        {
                            await writer.WriteLineAsync($"250-AUTH {string.Join(' ', options.Mechanisms)}");
                        }

                        await writer.WriteLineAsync("250-8BITMIME");
                        await writer.WriteLineAsync("250 SMTPUTF8");
                        break;
                    case "STARTTLS" when options.Certificate is { } certificate && !tls:
                        await writer.WriteLineAsync("220 2.0.0 ready to start TLS");
                        stream = await SecureAsync(stream, certificate);
                        tls = true;
                        reader = new StreamReader(stream, Encoding.Latin1);
                        writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
                        break;
                    case "AUTH" when options.Login is { } login:
                        var parts = line.Split(' ', 3);
                        var chosen = parts.Length > 1 ? parts[1].ToUpperInvariant() : string.Empty;
                        string? givenUser = null, givenPassword = null;
                        if (chosen == "PLAIN")
                        {
                            var encoded = parts.Length > 2 ? parts[2] : await Challenge(reader, writer, string.Empty);
                            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(encoded ?? string.Empty)).Split('\0');
                            (givenUser, givenPassword) = fields.Length == 3 ? (fields[1], fields[2]) : (null, null);
                        }
                        else if (chosen == "LOGIN")
                        {
                            var encodedUser = parts.Length > 2 ? parts[2] : await Challenge(reader, writer, "VXNlcm5hbWU6");
                            givenUser = Encoding.UTF8.GetString(Convert.FromBase64String(encodedUser ?? string.Empty));
                            givenPassword = Encoding.UTF8.GetString(Convert.FromBase64String(await Challenge(reader, writer, "UGFzc3dvcmQ6") ?? string.Empty));
                        }

                        var accepted = givenUser == login.User && givenPassword == login.Password;
                        Logins.Enqueue((givenUser ?? string.Empty, chosen, accepted));
                        if (accepted)
                        {
                            (user, mechanism) = (givenUser, chosen);
                            await writer.WriteLineAsync("235 2.7.0 authentication succeeded");
                        }
                        else
                        {
                            await writer.WriteLineAsync("535 5.7.8 authentication credentials invalid");
                        }

                        break;
                    case "MAIL" when options.Login is not null && user is null:
                        await writer.WriteLineAsync("530 5.7.0 authentication required");
                        break;
                    case "RCPT":
                        recipients.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('<', '>'));
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go ahead");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(stop.Token) is { } body && body != ".")
                        {
                            data.Append(body.StartsWith("..", StringComparison.Ordinal) ? body[1..] : body).Append("\r\n");
                        }

                        Messages.Enqueue(([.. recipients], data.ToString()));
                        Deliveries.Enqueue(new SmtpSinkDelivery([.. recipients], data.ToString(), tls, user, mechanism));
                        SecretScan.KeepText("alert-mail", data.ToString());
                        recipients.Clear();
                        await writer.WriteLineAsync("250 OK queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    case "RSET":
                        recipients.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    default:
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }
    }

    private static async Task<string?> Challenge(StreamReader reader, StreamWriter writer, string prompt)
    {
        await writer.WriteLineAsync(prompt.Length == 0 ? "334 " : $"334 {prompt}");
        return await reader.ReadLineAsync();
    }

    private static async Task<Stream> SecureAsync(Stream inner, X509Certificate2 certificate)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, ClientCertificateRequired = false });
        return ssl;
    }
}
