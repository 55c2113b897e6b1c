using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Orleans.Dashboard;

namespace CommunityScale.Silo.Hosting;

/// <summary>The Orleans Dashboard, bound from <c>Dashboard</c>: off unless a port is set.</summary>
public sealed class DashboardSettings
{
    public const string Section = "Dashboard";

    /// <summary>The port the dashboard is served on (its own listener); 0 = no dashboard.</summary>
    public int Port { get; set; }

    /// <summary>Basic-auth credentials; required outside Development, where the dashboard would otherwise be open.</summary>
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";
}

public static class DashboardSetup
{
    public static void AddOrleansDashboard(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(DashboardSettings.Section).Get<DashboardSettings>() ?? new DashboardSettings();
        if (settings.Port == 0)
        {
            return;
        }

        if (settings.Port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"Dashboard:Port is {settings.Port}; it must be 1-65535 (or 0 for no dashboard).");
        }

        if (!builder.Environment.IsDevelopment() && (settings.Username.Length == 0 || settings.Password.Length < 12))
        {
            throw new InvalidOperationException("Dashboard:Username and Dashboard:Password (at least 12 characters) are required for the dashboard outside Development.");
        }

        builder.UseOrleans(silo => silo.AddDashboard());
        // The dashboard gets a listener of its own, so it can stay off the network the health port is exposed on.
        var urls = builder.Configuration["urls"] ?? builder.Configuration["Urls"] ?? "http://127.0.0.1:5081";
        builder.WebHost.UseUrls([.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries), $"http://{(urls.Contains('+', StringComparison.Ordinal) ? "+" : "127.0.0.1")}:{settings.Port.ToString(CultureInfo.InvariantCulture)}"]);
    }

    public static void MapOrleansDashboardIfEnabled(this WebApplication app)
    {
        var settings = app.Configuration.GetSection(DashboardSettings.Section).Get<DashboardSettings>() ?? new DashboardSettings();
        if (settings.Port == 0)
        {
            return;
        }

        var requireLogin = settings.Username.Length > 0;
        app.UseWhen(http => http.Connection.LocalPort == settings.Port, branch => branch.Use(async (http, next) =>
        {
            if (requireLogin && !Authorized(http.Request.Headers.Authorization, settings))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans Dashboard\"";
                return;
            }

            await next(http);
        }));
        app.MapOrleansDashboard("/dashboard").RequireHost($"*:{settings.Port.ToString(CultureInfo.InvariantCulture)}");
    }

    private static bool Authorized(string? header, DashboardSettings settings)
    {
        if (header is null || !AuthenticationHeaderValue.TryParse(header, out var value) || value.Scheme != "Basic" || value.Parameter is null)
        {
            return false;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(value.Parameter);
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}");
        return CryptographicOperations.FixedTimeEquals(decoded, expected);
    }
}
