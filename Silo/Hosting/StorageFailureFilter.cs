using CommunityScale.Errors;

namespace CommunityScale.Silo.Hosting;

/// <summary>
/// Turns "storage did not answer" from any grain into the public <c>unavailable</c> code, so clients get a stable,
/// retryable error instead of a provider's exception. The grain's own write path guarantees nothing was half-written.
/// </summary>
public sealed class StorageFailureFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (IsStorageOutage(ex))
        {
            throw new CommunityException(ErrorCodes.Unavailable, "Storage is temporarily unavailable; nothing was changed. Retry shortly.");
        }
    }

    private static bool IsStorageOutage(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is StorageUnavailableException or Azure.RequestFailedException { Status: 0 } or StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
