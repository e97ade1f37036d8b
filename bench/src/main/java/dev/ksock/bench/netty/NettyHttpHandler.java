package dev.ksock.bench.netty;

import dev.ksock.bench.Http;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * HTTP plaintext on raw ByteBufs, parsed exactly as the ksock and C peers do (scan for the blank
 * line, no codec): the responses to every request of one read batch go out in one flush.
 */
final class NettyHttpHandler extends ChannelInboundHandlerAdapter {
    /** Half a request kept between reads, or null. */
    private ByteBuf partial;
    /** Responses of the current read batch, flushed in channelReadComplete. */
    private ByteBuf out;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (partial != null) {
            partial.writeBytes(in);
            in.release();
            in = partial;
            partial = null;
        }
        byte[] response = Http.response();
        int start = in.readerIndex(), end = in.writerIndex();
        for (int i = start + 3; i < end; i++) {
            if (in.getByte(i) == '\n' && in.getByte(i - 1) == '\r' && in.getByte(i - 2) == '\n' && in.getByte(i - 3) == '\r') {
                if (i + 1 - start < Http.MIN_REQUEST) {
                    in.release();
                    ctx.close();
                    return;
                }
                if (out == null) {
                    out = ctx.alloc().directBuffer(response.length * 16);
                }
                out.writeBytes(response);
                start = i + 1;
                i = start + 2; // a terminator never borrows bytes of the previous request
            }
        }
        int tail = end - start;
        if (tail > Http.MAX_REQUEST) {
            in.release();
            ctx.close();
            return;
        }
        if (tail > 0) {
            partial = ctx.alloc().directBuffer(Http.MAX_REQUEST + 64 * 1024);
            partial.writeBytes(in, start, tail);
        }
        in.release();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (out != null) {
            ctx.writeAndFlush(out, ctx.voidPromise());
            out = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        release();
        ctx.close();
    }

    private void release() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
        if (out != null) {
            out.release();
            out = null;
        }
    }
}
