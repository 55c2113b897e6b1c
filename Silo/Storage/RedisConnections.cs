using StackExchange.Redis;

namespace CommunityScale.Silo.Storage;

/// <summary>
/// The connection options every Redis client of the silo uses (journal, grain state, reminders, clustering, health).
/// StackExchange.Redis completes its operations on a dedicated pool of ten threads by default; on a node whose few cores
/// the silo shares, each completion then wakes one of them and hands the continuation on to the .NET thread pool, two
/// thread switches where one would do. <c>SocketManager.ThreadPool</c> completes them on the .NET thread pool instead
/// (a third fewer thread switches in the silo, no CPU difference resolved; docs/performance.md).
/// </summary>
public static class RedisConnections
{
    public static ConfigurationOptions Options(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }
}
