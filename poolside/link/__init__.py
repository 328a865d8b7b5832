"""Several screens, one class: the link service that carries the leader's class
to the follower screens (:mod:`poolside.link.service`), the local socket the
kiosk and the screens reach it by (:mod:`poolside.link.local`), and the
pairing key (:mod:`poolside.link.pairing`). What the messages say and how a
follower keeps time is pure, in :mod:`poolside.core.follow`."""
