using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using MimeKit.Cryptography;

namespace Dxmig.Sandbox;

/// <summary>
/// S/MIME messages for the sandbox: one signed (multipart/signed, detached signature) and one encrypted
/// (application/pkcs7-mime enveloped-data), with Japanese text, made with a certificate created for the run. A
/// signature covers the exact bytes of the signed part, so a migration that re-renders the message breaks it: the
/// test of a byte-exact path verifies it after migration.
/// </summary>
public sealed class SmimeSamples : IDisposable
{
    private readonly X509Certificate2 certificate;

    public SmimeSamples(string address = "kikaku@pref.example.jp")
    {
        Address = address;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=企画課, E={address}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.DigitalSignature | System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyEncipherment, critical: true));
        var names = new SubjectAlternativeNameBuilder();
        names.AddEmailAddress(address);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    public string Address { get; }

    /// <summary>A context that knows the certificate and its key (to sign, decrypt and verify).</summary>
    public SecureMimeContext Context()
    {
        var context = new TemporarySecureMimeContext();
        using var pfx = new MemoryStream(certificate.Export(X509ContentType.Pkcs12));
        context.Import(pfx, string.Empty);
        return context;
    }

    /// <summary>A signed message, as its bytes (CRLF line ends, as a server stores them).</summary>
    public byte[] SignedMessage(string subject = "署名付き: 予算資料の送付")
    {
        using var context = Context();
        var body = new TextPart("plain") { Text = "予算資料を送付します。\r\n髙橋さん、﨑山さんもご確認ください。\r\n" };
        body.ContentTransferEncoding = ContentEncoding.Base64;
        var message = Envelope(subject);
        message.Body = MultipartSigned.Create(context, new CmsSigner(certificate) { DigestAlgorithm = DigestAlgorithm.Sha256 }, body);
        return Bytes(message);
    }

    /// <summary>An encrypted message to <see cref="Address"/>, as its bytes.</summary>
    public byte[] EncryptedMessage(string subject = "暗号化: 人事異動 (内示)")
    {
        using var context = Context();
        var body = new TextPart("plain") { Text = "内示の内容は添付のとおりです。\r\n" };
        var message = Envelope(subject);
        message.Body = ApplicationPkcs7Mime.Encrypt(context, [new CmsRecipient(certificate)], body);
        return Bytes(message);
    }

    /// <summary>True when the message's S/MIME signature verifies against its bytes (signature only; the sandbox's
    /// certificate is self-signed, so no chain is asked for).</summary>
    public bool SignatureVerifies(byte[] message)
    {
        if (Body(message) is not MultipartSigned signed)
        {
            return false;
        }

        using var context = Context();
        try
        {
            var signatures = signed.Verify(context);
            return signatures.Count > 0 && signatures.All(s => s.Verify(verifySignatureOnly: true));
        }
        catch (Exception ex) when (ex is DigitalSignatureVerifyException or FormatException)
        {
            return false; // a signature that does not verify, or a multipart/signed without its two parts
        }
    }

    /// <summary>The decrypted text of an encrypted message, or null when it cannot be decrypted.</summary>
    public string? Decrypt(byte[] message)
    {
        if (Body(message) is not ApplicationPkcs7Mime pkcs7)
        {
            return null;
        }

        using var context = Context();
        return (pkcs7.Decrypt(context) as TextPart)?.Text;
    }

    private static MimeEntity? Body(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new MemoryStream(message);
        return MimeMessage.Load(stream).Body;
    }

    public void Dispose() => certificate.Dispose();

    private MimeMessage Envelope(string subject)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("企画課", Address));
        message.To.Add(new MailboxAddress("企画課", Address));
        message.Subject = subject;
        message.Date = new DateTimeOffset(2024, 4, 1, 9, 0, 0, TimeSpan.FromHours(9));
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("pref.example.jp");
        return message;
    }

    private static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }
}
