using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using CommunityScale.Errors;
using CommunityScale.Gateway.Auth;
using Microsoft.Extensions.Options;

namespace CommunityScale.Gateway.Attachments;

/// <summary>
/// The bytes of attachments, in one blob container (<c>community/id</c> names), and the short-lived links that serve
/// them. A link is the gateway's own signature over (community, id, expiry): it works on any gateway that shares the
/// signing key, needs no storage credentials in the browser, and dies after <see cref="AttachmentOptions.LinkLifetime"/>.
/// </summary>
public sealed class AttachmentStore
{
    private readonly AttachmentOptions _options;
    private readonly BlobContainerClient? _container;
    private readonly byte[] _linkKey;
    private readonly TimeProvider _clock;
    private Task? _created;

    public AttachmentStore(IOptions<AttachmentOptions> options, IOptions<AuthOptions> auth, TimeProvider clock)
    {
        _options = options.Value;
        _clock = clock;
        _container = string.IsNullOrWhiteSpace(_options.ConnectionString) ? null : new BlobContainerClient(_options.ConnectionString, _options.Container);
        // A key of its own, derived from the token key: a link can never pass for a token, nor a token for a link.
        _linkKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes(auth.Value.SigningKey), "attachment-links"u8);
    }

    public async Task Upload(string communityId, string id, string contentType, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var container = Container();
        await (_created ??= container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None));
        await container.GetBlobClient($"{communityId}/{id}").UploadAsync(BinaryData.FromBytes(bytes),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);
    }

    public async Task Delete(string communityId, string id) =>
        await Container().GetBlobClient($"{communityId}/{id}").DeleteIfExistsAsync();

    public async Task<Stream> Open(string communityId, string id, CancellationToken cancellationToken) =>
        await Container().GetBlobClient($"{communityId}/{id}").OpenReadAsync(cancellationToken: cancellationToken);

    public (string Token, DateTimeOffset ExpiresAt) Link(string communityId, string id)
    {
        var expires = _clock.GetUtcNow() + _options.LinkLifetime;
        var payload = $"{communityId}.{id}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return ($"{payload}.{Sign(payload)}", expires);
    }

    /// <summary>The (community, id) a link names, or null when it is forged, altered or expired.</summary>
    public (string CommunityId, string Id)? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 4 || !InputRules.IsValidId(parts[0]) || !InputRules.IsValidId(parts[1])
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return null;
        }

        var expected = Sign($"{parts[0]}.{parts[1]}.{parts[2]}");
        var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[3]));
        return valid && _clock.GetUtcNow().ToUnixTimeSeconds() <= expires ? (parts[0], parts[1]) : null;
    }

    private string Sign(string payload) =>
        Convert.ToBase64String(HMACSHA256.HashData(_linkKey, Encoding.UTF8.GetBytes(payload))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private BlobContainerClient Container() =>
        _container ?? throw new CommunityException(ErrorCodes.Unavailable, "Attachments are not configured on this server (Attachments:ConnectionString).");
}
