"""The browser dashboard (``distill-sim-dashboard``): run, compare and read results in a page.

- :mod:`.server`: the command line, serving the page (127.0.0.1 by default);
- :mod:`.app`: the Solara page and its three views (Run, Compare, Results);
- :mod:`.runs`: composing and simulating, as the command line does, for the page's background tasks;
- :mod:`.levers`: which keys the Run view offers, their ranges read from the declared roles;
- :mod:`.tables`, :mod:`.results`: the numbers each view shows, and the reading of a sweep folder.

The simulator never imports this package; this package imports the runner only inside the
functions that simulate.
"""
