using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityScale.Bench;

/// <summary>Hub connections to either target, over WebSockets, with the chosen hub protocol.</summary>
internal static class Connections
{
    public static HubConnection Build(LoadOptions o, string? token) => Build(o, o.Url, token);

    public static HubConnection Build(LoadOptions o, Uri gateway, string? token)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(gateway, "/hubs/community"), c =>
        {
            if (token is not null)
            {
                c.AccessTokenProvider = () => Task.FromResult<string?>(token);
            }

            c.SkipNegotiation = true;
            c.Transports = HttpTransportType.WebSockets;
        });
        if (o.Protocol == "messagepack")
        {
            builder.AddMessagePackProtocol();
        }

        return builder.Build();
    }

    /// <summary>A connected client ready to join; on our gateway it signs in first (and joins the community when <paramref name="member"/>).</summary>
    public static Task<HubConnection> Connect(LoadOptions o, HttpClient http, string userId, string? community, bool member) =>
        Connect(o, http, userId, member && community is not null ? [community] : []);

    /// <summary>A connected client; on our gateway it signs in first and joins <paramref name="memberOf"/>.</summary>
    public static async Task<HubConnection> Connect(LoadOptions o, HttpClient http, string userId, IReadOnlyList<string> memberOf, Uri? gateway = null)
    {
        string? token = null;
        if (!o.Bare)
        {
            token = await Http.Token(http, userId);
            foreach (var community in memberOf)
            {
                await Http.Post(http, token, $"/api/communities/{community}/members", null);
            }
        }

        var hub = Build(o, gateway ?? o.Url, token);
        await hub.StartAsync();
        return hub;
    }
}

/// <summary>The part of a <c>ChannelMessage</c> the load generator reads; both targets send the same shape.</summary>
public sealed class ReceivedMessage
{
    public string Text { get; set; } = "";

    public long Seq { get; set; }
}
