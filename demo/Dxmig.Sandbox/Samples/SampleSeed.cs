namespace Dxmig.Sandbox.Samples;

/// <summary>
/// The seed of one generated sample row, the same in every process. <see cref="HashCode.Combine{T1,T2}"/> is salted per
/// process, so samples seeded with it changed between runs: a demo could not be repeated, and a test that edited a
/// generated value to a fixed one sometimes edited it to the value it already had.
/// </summary>
public static class SampleSeed
{
    public static int Of(int seed, int index, int variant = 0)
    {
        unchecked
        {
            var h = (uint)seed * 0x9E3779B1u;
            h = (h ^ (uint)index) * 0x85EBCA77u;
            h = (h ^ (uint)variant) * 0xC2B2AE3Du;
            return (int)(h ^ (h >> 16));
        }
    }
}
