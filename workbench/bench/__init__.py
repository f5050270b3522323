"""The performance suite behind ``workbench bench`` (issue #17).

Each measure runs in its own process so that its peak memory and start-up cost are its own:
``window`` (filter → paint, pan/zoom, table, search, window RSS), ``first_paint`` (start-up),
``ingest`` (CVR stream), and the peers (QGIS and geopandas, driven by another Python).
``suite`` runs them in turn and assembles the JSON that the command prints and saves.
"""
