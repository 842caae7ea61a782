// description: Relationships per type, to compare a recovered graph with a clean load (benchmarks/graph_counts.py)
// params:
// mode: read
MATCH ()-[r]->()
RETURN type(r) AS type, count(r) AS n
ORDER BY type
