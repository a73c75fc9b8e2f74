package io.pgha.proxy.net;

import io.netty.channel.Channel;

/** The PostgreSQL side: forwards to the client it was opened for. */
final class BackendHandler extends Relay {

    BackendHandler(Channel client, Traffic traffic) {
        super(traffic);
        this.peer = client;
    }

    @Override
    void count(int bytes) {
        traffic.addToClient(bytes);
    }
}
