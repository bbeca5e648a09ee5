-- scripts/bench/listen.sh's handlers: record nothing, do nothing (the listener's own cost).
on("store/order/created", function() end)
