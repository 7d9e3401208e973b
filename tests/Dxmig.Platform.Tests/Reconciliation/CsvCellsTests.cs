using Dxmig.Platform.Reconciliation;

namespace Dxmig.Platform.Tests.Reconciliation;

/// <summary>The report's CSV cells: formula-like text escaped, separators quoted.</summary>
public sealed class CsvCellsTests
{
    [Fact]
    public void Csv_FormulaLikeCellsAreEscaped()
    {
        CsvCells.Line(["=SUM(A1)", "+1", "-2", "@x", "\tx", "a,b", "ok"])
            .Should().Be("'=SUM(A1),'+1,'-2,'@x,'\tx,\"a,b\",ok\r\n");
    }
}
