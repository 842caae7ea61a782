"""graphsvc: graph analytics for medical-insurance fund supervision (医保基金监管).

Flow is one-way: loaders -> store <- detection -> API / viz.
"""

__version__ = "0.1.0"
