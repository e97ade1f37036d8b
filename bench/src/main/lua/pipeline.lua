-- wrk script: 16 pipelined GET requests in one write (TechEmpower's plaintext pipelining).
-- wrk counts each response; it sends the next batch once all 16 answers are in.
init = function(args)
  local r = {}
  for i = 1, 16 do
    r[i] = wrk.format(nil, "/")
  end
  batch = table.concat(r)
end

request = function()
  return batch
end
