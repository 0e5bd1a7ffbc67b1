# Sourced by launchers: glibc's malloc advises transparent huge pages for its large blocks (ONNX
# Runtime's weights, KV caches), which made the decoder 5-17 % faster here (BENCHMARKS.md). Kept
# beside any tunables the caller set; harmless where THP is off.
case ":${GLIBC_TUNABLES:-}:" in
  *glibc.malloc.hugetlb=*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
esac
