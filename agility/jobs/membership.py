"""A sink's hold on its partitions, which the group may take away (a rebalance) or declare lost
(the sink's session expired while a broker, or the sink's own link, was away).

Why it matters: a buffered sink (HDFS files) holds records it has read but not stored, and the loop
commits a partition only up to the first of them. When the partition goes, those records are
dropped; whichever member gets the partition reads it from its committed offset, and if that is
this sink again, it seeks to where its store ends instead (a refused commit leaves the committed
offset behind what the store holds; and the consumer would keep the old position of a partition
it is given back in a plain rebalance, past the dropped records). The offsets of a partition this sink no longer owns are never
committed, so a commit can only ever move back to what a store already holds."""

from __future__ import annotations

from collections.abc import Callable


def listener(let_go: Callable[[set[int], str], None], resume: Callable[[list], None]):
    """The consumer's rebalance listener, calling `let_go(partitions, why)` before partitions go
    and `resume(topic_partitions)` once the group has given some."""
    # the Kafka driver is imported by a running job only
    from kafka import ConsumerRebalanceListener

    class Membership(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            let_go({tp.partition for tp in revoked}, "revoked by a rebalance")

        def on_partitions_lost(self, lost):
            let_go({tp.partition for tp in lost}, "lost with the group membership")

        def on_partitions_assigned(self, assigned):
            resume(list(assigned))

    return Membership()


def commit_refused(error: BaseException) -> bool:
    """The group coordinator refused the commit: the membership is gone (the session expired, the
    group rebalanced). Not retried: the next poll rejoins the group, and the records are read again."""
    return type(error).__name__ == "CommitFailedError"
