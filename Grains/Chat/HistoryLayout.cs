namespace CommunityScale.Chat;

/// <summary>
/// Where a <c>seq</c> lives: sealed page <c>p</c> holds seq <c>p*size+1 .. (p+1)*size</c>; everything after the
/// sealed pages is in the channel's tail.
/// </summary>
public readonly record struct HistoryLayout(int PageSize)
{
    public long PageIndexOf(long seq) => (seq - 1) / PageSize;

    public long FirstSeqOf(long pageIndex) => (pageIndex * PageSize) + 1;
}
