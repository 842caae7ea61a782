"""Drawing graphs for investigators: ``viz.model`` turns nodes and relationships into a
styled, capped view model (pure code); ``viz.render`` writes it as HTML with assets
served from /static or inlined; ``viz.offline`` finds references to anything outside
the machine (the intranet has no internet)."""
