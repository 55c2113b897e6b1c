using CommunityScale.Errors;
using CommunityScale.Gateway.Api;
using CommunityScale.Gateway.Telemetry;
using Microsoft.AspNetCore.SignalR;

namespace CommunityScale.Gateway.Hubs;

/// <summary>A refused hub call reaches the client as a HubException whose message is <c>code: reason</c>.</summary>
public sealed partial class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (CommunityException ex)
        {
            if (invocationContext.HubMethodName == nameof(CommunityHub.SendMessage))
            {
                GatewayMetrics.SendsRefused.Add(1, new KeyValuePair<string, object?>("code", ex.Code));
            }

            throw new HubException($"{ex.Code}: {ex.Reason}");
        }
        catch (Exception ex) when (ClusterFailures.IsUnavailable(ex))
        {
            LogUnavailable(logger, ex, invocationContext.HubMethodName);
            if (invocationContext.HubMethodName == nameof(CommunityHub.SendMessage))
            {
                GatewayMetrics.SendsRefused.Add(1, new KeyValuePair<string, object?>("code", ErrorCodes.Unavailable));
            }

            throw new HubException($"{ErrorCodes.Unavailable}: The service is temporarily unavailable; retry shortly.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub call {Method} failed: the cluster did not answer")]
    private static partial void LogUnavailable(ILogger logger, Exception ex, string method);
}
