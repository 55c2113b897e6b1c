namespace CommunityScale.Bench;

/// <summary>One channel of a run: the community it is in and its id.</summary>
internal sealed record ChannelTarget(string Community, string Channel);

/// <summary>
/// Where a run's channels are and who is in which: every process of a run (the cluster run and its listeners) derives
/// the same layout from the run's name, so none has to be told the others' choices.
/// </summary>
internal static class ChannelLayout
{
    /// <summary>A community holds at most 500 channels: a fresh one per 250.</summary>
    private const int ChannelsPerCommunity = 250;

    /// <summary>Channel c of run R is <c>R-{c / 250}</c> / <c>ch-{c}</c>, or <c>R-0</c> / <c>live</c> when the run has one.</summary>
    public static ChannelTarget[] Channels(string run, int channels) =>
        [.. Enumerable.Range(0, channels).Select(c => new ChannelTarget($"{run}-{c / ChannelsPerCommunity}", channels == 1 ? "live" : $"ch-{c}"))];

    /// <summary>Client i is in channel i mod C.</summary>
    public static int ChannelOf(int client, int channels) => client % channels;

    /// <summary>
    /// Client i connects to gateway (i mod C + i div C) mod G: each gateway holds an equal share of the clients (when G
    /// divides C), and a channel's clients are spread over the gateways, as a real channel's fans would be. Plain
    /// i mod G would put every client of a channel on one gateway whenever G divides C, and spare the backplane (and
    /// our relays) the cross-gateway work that is the point of the scenario. With one channel it is i mod G.
    /// </summary>
    public static int GatewayOf(int client, int channels, int gateways) => (client % channels + client / channels) % gateways;
}
