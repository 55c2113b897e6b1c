using CommunityScale.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CommunityScale.Gateway.Api;

/// <summary>Turns a refused call into RFC 7807 problem details carrying the stable <c>code</c>.</summary>
public sealed class ProblemMapping(IProblemDetailsService problems) : IExceptionHandler
{
    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Forbidden or ErrorCodes.NotMember or ErrorCodes.Muted or ErrorCodes.Banned or ErrorCodes.ConsentRequired => StatusCodes.Status403Forbidden,
        ErrorCodes.RateLimited or ErrorCodes.SlowMode => StatusCodes.Status429TooManyRequests,
        ErrorCodes.AlreadyExists => StatusCodes.Status409Conflict,
        ErrorCodes.BlockedContent => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (code, reason) = exception switch
        {
            CommunityException ce => (ce.Code, ce.Reason),
            BadHttpRequestException bad => (ErrorCodes.Invalid, bad.Message),
            _ when ClusterFailures.IsUnavailable(exception) => (ErrorCodes.Unavailable, "The service is temporarily unavailable; retry shortly."),
            _ => (null, null),
        };
        if (code is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusOf(code);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = httpContext.Response.StatusCode,
                Title = code,
                Detail = reason,
                Extensions = { ["code"] = code },
            },
            Exception = exception,
        });
    }
}
