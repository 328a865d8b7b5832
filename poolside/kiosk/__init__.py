"""The kiosk: the state the screens share, the screens, and where it runs.

- :mod:`~poolside.kiosk.state`: the kiosk's state and its one step (``tick``);
- :mod:`~poolside.kiosk.screens`: each screen, its controls and the screen each leads to;
- :mod:`~poolside.kiosk.bindings`: a screen's table of controls, which also makes its hint;
- :mod:`~poolside.kiosk.build`: the one way to make a kiosk, and what becomes of
  a run a power cut interrupted;
- :mod:`~poolside.kiosk.loop`: the one loop, for the window and ``--headless``;
- :mod:`~poolside.kiosk.window`: ``poolside run`` on a screen, with its hardware;
- :mod:`~poolside.kiosk.headless`: the same kiosk off-screen (``--headless``);
- :mod:`~poolside.kiosk.render`: any screen as a PNG (``poolside render``).

Arrows go one way: window and headless build a kiosk; the kiosk holds its
screens; the screens see the kiosk through a protocol, never by import.
"""
